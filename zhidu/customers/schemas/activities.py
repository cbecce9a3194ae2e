"""API schemas of follow-ups (跟进记录), visit check-ins (拜访签到), managers' comments,
activity types, the overdue list and "my day"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from ..choices import ActivityOutcome


class ActivityTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    counts_as_valid: bool
    requires_check_in: bool
    is_active: bool
    sort_order: int


class ActivityIn(Schema):
    customer_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    type: str = Field(..., description="Activity type code (call, visit, meeting, …)")
    content: str = Field(..., min_length=1, max_length=10000)
    outcome: str = Field("", description=f"One of: {', '.join(ActivityOutcome.values)}, or empty.")
    next_step: str = Field("", max_length=300)
    next_date: dt.date | None = None
    occurred_at: dt.datetime | None = Field(None, description="Default: now.")


class CheckInOut(Schema):
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None
    checked_in_at: dt.datetime
    client_time: dt.datetime | None = None
    distance_m: int | None = None
    flagged: bool
    flag_reason: str
    has_photo: bool


class CommentIn(Schema):
    content: str = Field(..., min_length=1, max_length=2000)


class CommentOut(Schema):
    id: int
    author_id: int
    author_name: str
    content: str
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class ActivityOut(Schema):
    id: int
    customer_id: int | None = None
    customer_name: str | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    type: str
    type_name: str
    occurred_at: dt.datetime
    content: str
    outcome: str
    next_step: str
    next_date: dt.date | None = None
    is_valid: bool
    validity_reason: str
    policy_version_id: int | None = None
    policy_ref: str
    check_in: CheckInOut | None = None
    comment_count: int = 0
    attachment_count: int = 0


class ActivityDetailOut(ActivityOut):
    comments: list[CommentOut] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)


class OverdueOut(Schema):
    customer_id: int
    customer_name: str
    tier: str
    owner_id: int | None = None
    owner_name: str | None = None
    last_valid_follow_up_at: dt.datetime | None = None
    due: dt.date
    days_over: int
    frequency_days: int


class MyDayItem(Schema):
    kind: str
    title: str
    customer_id: int | None = None
    lead_id: int | None = None
    date: dt.date | None = None
    detail: str = ""


class MyDayOut(Schema):
    today: dt.date
    due: list[MyDayItem]
    overdue: list[MyDayItem]
    near_recycling: list[MyDayItem]
    protection_ending: list[MyDayItem]
    leads: list[MyDayItem]
    key_dates: list[MyDayItem]
    steps: list[MyDayItem]
