"""API schemas of the public pool: pools, pool customers (contacts masked), claims,
releases, assignments, the event log and a person's claim quota."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class PoolOut(Schema):
    id: int
    name: str
    unit_id: int | None = Field(None, description="Empty for the company pool.")
    unit_name: str | None = None
    is_active: bool


class PoolContactOut(Schema):
    name: str
    title: str
    phone: str = Field(description="Masked until the customer is claimed.")
    wechat: str = Field(description="Masked until the customer is claimed.")
    email: str = Field(description="Masked until the customer is claimed.")


class PoolCustomerOut(Schema):
    id: int
    name: str
    tier: str
    status: str
    industry: str
    province: str
    city: str
    pool_id: int
    pool_name: str
    in_pool_since: dt.datetime | None = None
    how: str | None = Field(None, description="release or recycle")
    reason: str | None = None
    former_owner_id: int | None = None
    contacts: list[PoolContactOut] = Field(default_factory=list)


class ClaimIn(Schema):
    pass


class ReleaseIn(Schema):
    customer_id: int
    reason: str = Field(..., description="Why you give the customer up (required).")


class AssignIn(Schema):
    to_user_id: int
    reason: str = ""


class PoolEventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    customer_id: int
    customer_name: str
    pool_id: int
    pool_name: str
    actor_id: int | None = Field(None, description="Empty when the scheduled job did it.")
    actor_name: str | None = None
    from_owner_id: int | None = None
    to_owner_id: int | None = None
    reason: str
    policy_version_id: int | None = None
    policy_ref: str


class PoolMoveOut(Schema):
    customer_id: int
    customer_name: str
    owner_id: int | None = None
    pool_id: int | None = None
    protected_until: dt.date | None = None


class ClaimQuotaOut(Schema):
    claimed_today: int
    per_day: int = Field(description="0 = no daily limit")
    left_today: int | None = None
    held: int
    cap: int | None = Field(None, description="Holding cap (库容); empty = none")
    cooldown_days: int
    policy_ref: str
