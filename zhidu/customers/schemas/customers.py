"""API schemas for customers, contacts, the duplicate check and conflict claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from ..choices import CustomerKind, CustomerSize, CustomerStatus, CustomerTier, DecisionRole, Industry, LeadSource
from ..choices import Province as ProvinceChoice


def _choices(choices) -> str:
    return ", ".join(str(v) for v in choices.values)


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    title: str = Field("", max_length=60)
    department: str = Field("", max_length=60)
    decision_role: str = Field("", description=f"One of: {_choices(DecisionRole)}, or empty.")
    is_primary: bool = False
    phone: str = Field("", max_length=40, description="Any format; +86 and separators are fine.")
    phone2: str = Field("", max_length=40)
    email: str = Field("", max_length=200)
    wechat: str = Field("", max_length=60)
    birthday: dt.date | None = None
    notes: str = ""


class ContactPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    title: str | None = None
    department: str | None = None
    decision_role: str | None = None
    is_primary: bool | None = None
    phone: str | None = None
    phone2: str | None = None
    email: str | None = None
    wechat: str | None = None
    birthday: dt.date | None = None
    notes: str | None = None
    is_active: bool | None = None


class KeyDateOut(Schema):
    id: int
    label: str
    date: dt.date
    yearly: bool
    remind_days_before: int


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    department: str
    decision_role: str
    is_primary: bool
    is_active: bool
    phone: str = Field(description="Masked (138****5678) without view_phone or while in a public pool.")
    phone2: str
    email: str
    wechat: str
    masked: bool
    birthday: dt.date | None
    notes: str
    key_dates: list[KeyDateOut] = []


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    credit_code: str = Field("", max_length=24, description="18 characters, GB 32100 check digit.")
    kind: str = Field(CustomerKind.COMPANY, description=f"One of: {_choices(CustomerKind)}")
    industry: str = Field("", description=f"GB/T 4754 section: {_choices(Industry)}")
    province: str = Field("", description=f"GB/T 2260 code: {_choices(ProvinceChoice)}")
    city: str = Field("", max_length=60)
    size: str = Field("", description=f"One of: {_choices(CustomerSize)}, or empty.")
    address: str = Field("", max_length=300)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    website: str = Field("", max_length=200)
    source: str = Field("", description=f"One of: {_choices(LeadSource)}, or empty.")
    tier: str = Field(CustomerTier.C, description=f"One of: {_choices(CustomerTier)}")
    status: str = Field(CustomerStatus.PROSPECT, description=f"One of: {_choices(CustomerStatus)}")
    parent_id: int | None = Field(None, description="Parent company (group customers).")
    notes: str = ""
    owner_id: int | None = Field(None, description="Register for someone else (managers with assign).")
    contact: ContactIn | None = Field(None, description="The first contact, created with the customer.")


class CustomerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    credit_code: str | None = None
    kind: str | None = None
    industry: str | None = None
    province: str | None = None
    city: str | None = None
    size: str | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    website: str | None = None
    source: str | None = None
    tier: str | None = None
    status: str | None = None
    parent_id: int | None = None
    notes: str | None = None


class UserRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    industry: str
    province: str
    city: str
    size: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    website: str
    source: str
    tier: str
    status: str
    parent_id: int | None
    notes: str
    owner: UserRef | None
    owner_unit_id: int | None
    pool_id: int | None
    received_at: dt.datetime | None
    protected_until: dt.date | None
    last_valid_follow_up_at: dt.datetime | None
    locked_until: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None

    @staticmethod
    def resolve_owner(obj) -> dict | None:
        return {"id": obj.owner_id, "name": str(obj.owner)} if obj.owner_id else None


class DuplicateCheckIn(Schema):
    name: str = ""
    credit_code: str = ""
    phone: str = ""
    email: str = ""
    exclude_id: int | None = Field(None, description="The customer being edited, so it does not match itself.")


class DuplicateOut(Schema):
    name: str
    owner: str
    protected_until: dt.date | None
    in_pool: bool
    pool: str
    in_recycle_bin: bool
    matched_on: list[str]


class DuplicateCheckOut(Schema):
    duplicates: list[DuplicateOut]


class CollaboratorIn(Schema):
    user_id: int
    access: Literal["read", "read_write"] = "read"


class CollaboratorOut(Schema):
    user: UserRef
    access: str
    added_at: dt.datetime


class TagsIn(Schema):
    tag_ids: list[int]


class MergeIn(Schema):
    source_id: int = Field(description="This record is merged into the one in the path and goes to the recycle bin.")
    reason: str = Field(..., min_length=1, max_length=1000)


class DeleteIn(Schema):
    reason: str = Field("", max_length=1000)


class AttemptIn(Schema):
    name: str = ""
    credit_code: str = ""
    phone: str = ""
    email: str = ""


class ConflictClaimIn(Schema):
    attempt: AttemptIn = Field(description="What you tried to register when the duplicate check refused it.")
    evidence: str = Field(..., max_length=5000)
    claimant_first_contact_at: dt.datetime | None = None


class ConflictClaimOut(Schema):
    id: int
    number: str
    customer_name: str
    claimant: UserRef
    existing_owner: UserRef | None
    status: str
    evidence: str
    proposed_winner: UserRef | None
    proposal_reason: str
    decider: UserRef | None
    decided_winner: UserRef | None
    decision_reason: str
    decided_at: dt.datetime | None
    approval_id: int | None
    policy_ref: str
    created_at: dt.datetime


class ConflictDecideIn(Schema):
    winner: Literal["claimant", "owner"]
    reason: str = Field(..., min_length=1, max_length=2000)


class LockIn(Schema):
    until: dt.date
    reason: str = Field(..., min_length=1, max_length=1000)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class CustomerRequestOut(Schema):
    id: int
    customer_id: int
    kind: str
    until: dt.date | None
    reason: str
    status: str
    approval_id: int | None
    created_at: dt.datetime
