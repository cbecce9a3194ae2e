from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def of(user) -> UserRef:
        return UserRef(id=user.pk, username=user.username, name=str(user))

    @staticmethod
    def maybe(user) -> UserRef | None:
        return UserRef.of(user) if user is not None else None


class StepRef(Schema):
    order: int
    name: str
    mode: str


class TaskOut(Schema):
    """One item of "waiting for me"."""

    id: int
    request_id: int
    title: str
    object_type: str
    object_type_label: str
    object_id: str
    summary: str = ""
    submitter: UserRef
    amount: Decimal | None
    step: StepRef
    acting_for: UserRef | None
    created_at: dt.datetime


class RequestOut(Schema):
    id: int
    title: str
    object_type: str
    object_type_label: str
    object_id: str
    object_repr: str
    summary: str = ""
    status: str
    round: int
    flow_name: str
    flow_label: str
    policy_version_id: int | None
    policy_ref: str
    amount: Decimal | None
    unit: str | None
    submitter: UserRef
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


class TaskDecisionOut(Schema):
    id: int
    approver: UserRef
    acting_for: UserRef | None
    status: str
    source: str
    added_by: UserRef | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    comment: str


class StepOut(Schema):
    order: int
    name: str
    mode: str
    status: str
    approvers: list[UserRef]
    tasks: list[TaskDecisionOut]


class RoundRef(Schema):
    id: int
    round: int
    status: str


class ActionsOut(Schema):
    can_decide: bool
    can_withdraw: bool
    can_resubmit: bool
    can_cc: bool


class RequestDetailOut(RequestOut):
    snapshot: dict[str, Any]
    snapshot_hash: str
    closing_comment: str
    description: dict[str, Any]
    steps: list[StepOut]
    copied_to: list[UserRef]
    rounds: list[RoundRef]
    actions: ActionsOut


class CountsOut(Schema):
    waiting: int
    submitted_pending: int
    copied: int


class TaskPage(Schema):
    items: list[TaskOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool


class RequestPage(Schema):
    items: list[RequestOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool


class DecisionIn(Schema):
    decision: Literal["approve", "reject", "return"]
    comment: str = Field("", max_length=2000, description="Required to return for changes.")


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class PersonIn(Schema):
    user: str = Field(description="User name of the person.")
    comment: str = Field("", max_length=2000)
    task_id: int | None = Field(None, description="Reassign only: an administrator hands on this task.")


class CopyIn(Schema):
    users: list[str] = Field(min_length=1, description="User names.")


class DelegationIn(Schema):
    delegate: str = Field(description="User name of the delegate.")
    valid_from: dt.date
    valid_to: dt.date
    reason: str = Field("", max_length=200)
    user: str | None = Field(None, description="Administrators only: whose approvals are delegated.")


class DelegationOut(Schema):
    id: int
    user: UserRef
    delegate: UserRef
    valid_from: dt.date
    valid_to: dt.date
    reason: str
    revoked_at: dt.datetime | None
    in_force: bool
