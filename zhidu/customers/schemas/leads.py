"""API schemas of leads, their allocations ("why did I get this?") and the fairness report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from ..choices import DisqualifyReason, Industry, LeadSource, LeadStatus, Province


def _choices(tc) -> str:
    return ", ".join(tc.values)


class LeadIn(Schema):
    company: str = ""
    contact_name: str = ""
    title: str = ""
    phone: str = Field("", description="Any common way of writing it; stored normalised (+86 dropped).")
    email: str = ""
    wechat: str = ""
    province: str = Field("", description=f"GB/T 2260 code: {_choices(Province)}")
    city: str = ""
    industry: str = Field("", description=f"GB/T 4754 section: {_choices(Industry)}")
    product_line: str = ""
    source: str = Field(LeadSource.API, description=f"One of: {_choices(LeadSource)}")
    source_detail: str = ""
    notes: str = ""
    unit_id: int | None = Field(None, description="The unit the lead is for (default: yours).")
    assign: str | None = Field(
        None,
        description=(
            "self (keep it), auto (the allocation turn), none (wait for a manager), or a user id as text "
            "(a manager's assignment). Empty: self for people who receive leads, else auto."
        ),
    )
    reason: str = Field("", description="Why, for a manual assignment.")
    on_duplicate: str | None = Field(
        None, description="refuse, reject (keep as a disqualified duplicate) or allow; empty: the lead policy."
    )


class LeadUpdateIn(Schema):
    company: str | None = None
    contact_name: str | None = None
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    product_line: str | None = None
    source: str | None = None
    source_detail: str | None = None
    notes: str | None = None


class PersonRef(Schema):
    id: int
    name: str


class UnitRef(Schema):
    id: int
    name: str


class CustomerMatchOut(Schema):
    name: str
    owner: str
    protected_until: str | None = None
    in_pool: bool
    pool: str
    in_recycle_bin: bool
    matched_on: list[str]


class LeadOut(Schema):
    id: int
    company: str
    contact_name: str
    title: str
    phone: str = Field(description="Masked without the view-phone permission.")
    email: str
    wechat: str
    province: str
    city: str
    industry: str
    product_line: str
    source: str
    source_detail: str
    notes: str
    status: str = Field(description=f"One of: {_choices(LeadStatus)}")
    disqualify_reason: str = Field(description=f"One of: {_choices(DisqualifyReason)}, or empty.")
    disqualify_note: str
    qualification: dict[str, Any]
    owner: PersonRef | None = None
    unit: UnitRef | None = None
    assigned_at: dt.datetime | None = None
    first_response_due: dt.datetime | None = None
    first_touched_at: dt.datetime | None = None
    allocation_id: int | None = None
    converted_customer_id: int | None = None
    converted_contact_id: int | None = None
    converted_at: dt.datetime | None = None
    created_at: dt.datetime
    customer_matches: list[CustomerMatchOut] | None = Field(
        None, description="Existing customers this lead looks like (on create and on the detail)."
    )


class StatusIn(Schema):
    status: str = Field(description="working (start or reopen). Qualify, disqualify and convert have their own calls.")


class ChecklistIn(Schema):
    answers: dict[str, Any] = Field(description='Checklist item code → {"ok": true, "note": "…"} (or just true/false).')


class QualifyIn(Schema):
    answers: dict[str, Any] | None = None


class DisqualifyIn(Schema):
    reason: str = Field(description=f"One of: {_choices(DisqualifyReason)}")
    note: str = Field("", description="Required when the reason is other.")


class ConvertIn(Schema):
    customer_id: int | None = Field(
        None, description="Attach to this customer (held by the lead's owner) instead of registering a new one."
    )
    customer: dict[str, Any] | None = Field(
        None, description="Customer fields overriding what the lead says (name, credit_code, kind, tier, …)."
    )
    contact: dict[str, Any] | None = Field(None, description="Contact fields overriding the lead's (name, phone, …).")


class ConvertOut(Schema):
    lead_id: int
    status: str
    customer_id: int
    customer_name: str
    contact_id: int | None = None


class AssignIn(Schema):
    to_user_id: int | None = Field(None, description="The person; empty: the automatic turn.")
    reason: str = ""


class BulkAssignIn(Schema):
    lead_ids: list[int] = Field(max_length=500)
    to_user_id: int | None = Field(None, description="The person; empty: each lead through the automatic turn.")
    reason: str = ""


class RowResultOut(Schema):
    lead_id: int
    ok: bool
    message: str


class CandidateOut(Schema):
    user_id: int
    name: str
    unit: str
    capacity: int
    load: int
    open_leads: int
    held: int | None = None
    holding_cap: int | None = None
    match: dict[str, int]
    eligible: bool
    skip: str = Field(description="Why not considered (code), or empty.")
    skip_text: str
    fair_share: float | None = None


class AllocationOut(Schema):
    id: int
    lead_id: int
    at: dt.datetime
    method: str
    assignee: PersonRef
    assigned_by: PersonRef | None = None
    policy_version_id: int | None = None
    policy_ref: str
    explanation: list[str] = Field(description="Plain-language sentences, in your language.")
    candidates: list[CandidateOut]
    inputs: dict[str, Any] = Field(description="Everything recorded that chose the person.")


class FairnessRowOut(Schema):
    user_id: int
    name: str
    unit: str
    capacity: int
    received: int
    converted: int
    share: str
    expected: str
    deviation: str
    per_capacity: str | None = None
    conversion_rate: str | None = None
    on_leave: bool
    active: bool


class FairnessOut(Schema):
    unit_id: int
    unit: str
    period: str
    start: dt.date
    end: dt.date
    total_received: int
    total_capacity: int
    total_converted: int
    conversion_rate: str | None = None
    gini: str | None = Field(None, description="Gini coefficient of received ÷ capacity (4 decimals).")
    by_method: dict[str, int]
    policy_ref: str
    rows: list[FairnessRowOut]
