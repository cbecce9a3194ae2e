"""Policy kind ``allocation`` (销售机会分配, 000 §1.3 公平、公正、公开; 004 §1.1) and the
pure rules that read it.

- Who receives leads: the roles named here, holding a post in the lead's target unit or
  below, active, not on leave, with a capacity above 0, under their open-lead cap and the
  ``holding`` policy's cap (库容).
- Matching (when the policy says so): region (the provinces in the ``region_codes`` of
  the person's unit or its nearest ancestor that has some), industry and product line
  (the person's or their unit's specialties named here). A specialist beats a
  generalist; someone whose declared coverage excludes the lead is skipped.
- The turn: weighted round-robin by ``User.capacity``. Among the best-matching eligible
  people, the lead goes to whoever is furthest below their capacity share once this lead
  is counted (smooth weighted round-robin: ``load × W − (N + 1) × capacity`` smallest),
  ties to whoever waited longest since their last lead, then the lower id. Over many
  leads everyone's count stays within about one lead of their share; the plain "smallest
  load/capacity ratio" rule drifts by two or three with uneven capacities.
- A first-response deadline in working hours; an untouched lead is reassigned after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _codes(value: dict[str, list[str]]) -> dict[str, list[str]]:
    return {str(k).strip(): [str(v).strip() for v in vs if str(v).strip()] for k, vs in value.items() if str(k).strip()}


class AllocationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_allocate: bool = Field(
        True, description="New leads that nobody keeps are allocated automatically as soon as they are created."
    )
    roles: list[str] = Field(
        default_factory=lambda: ["rep", "key_account_manager"], description="Roles (codes) that receive leads."
    )
    match_region: bool = Field(
        True, description="Give a lead to people whose unit covers its province (the unit's provinces covered)."
    )
    match_industry: bool = Field(False, description="Give a lead to people whose industries include the lead's.")
    match_product_line: bool = Field(False, description="Give a lead to people whose product lines include the lead's.")
    industries_by_person: dict[str, list[str]] = Field(
        default_factory=dict, description="User name → industry section codes (GB/T 4754, A–T) the person covers."
    )
    industries_by_unit: dict[str, list[str]] = Field(
        default_factory=dict, description="Unit code → industry section codes its people cover."
    )
    product_lines_by_person: dict[str, list[str]] = Field(
        default_factory=dict, description="User name → product lines the person sells."
    )
    product_lines_by_unit: dict[str, list[str]] = Field(
        default_factory=dict, description="Unit code → product lines its people sell."
    )
    balance_over: Literal["month", "week", "open"] = Field(
        "month",
        description="What 'load' counts: leads received this month, this week, or open leads held now.",
    )
    max_open_leads: int = Field(50, ge=0, le=10000, description="Open leads one person may hold; 0 = no limit.")
    respect_holding_cap: bool = Field(
        True, description="Skip people who already hold as many customers as the holding policy allows."
    )
    first_response_hours: int = Field(
        8, ge=0, le=400, description="Working hours the assignee has to first work a lead; 0 = no deadline."
    )
    workday_start: dt.time = Field(dt.time(9, 0), description="Working hours start (business time zone).")
    workday_end: dt.time = Field(dt.time(18, 0), description="Working hours end.")
    holidays_pause: bool = Field(
        True, description="Weekends and public holidays (with make-up workdays) do not count towards the deadline."
    )
    reassign_untouched: bool = Field(
        True, description="A lead nobody worked by its deadline is reassigned to the next person in turn."
    )
    max_reassignments: int = Field(
        2, ge=0, le=20, description="After this many reassignments the lead goes back to the manager unassigned."
    )

    _clean_maps = field_validator(
        "industries_by_person", "industries_by_unit", "product_lines_by_person", "product_lines_by_unit"
    )(_codes)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        from zhidu.org.choices import Role

        unknown = sorted(set(value) - set(Role.values))
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(unknown)}")
        if not value:
            raise ValueError("name at least one role")
        return value

    @model_validator(mode="after")
    def _hours(self) -> AllocationPolicy:
        if self.workday_end <= self.workday_start:
            raise ValueError("working hours must end after they start")
        return self


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="allocation",
            label=_("Lead allocation"),
            clause="000 §1.3, 004 §1.1",
            model=AllocationPolicy,
            description=_(
                "Who receives new leads and in what turn (by capacity, region, industry, product line), "
                "the caps, and the first-response deadline after which an untouched lead is reassigned."
            ),
        )
    )


# --- the turn --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One eligible person as the turn sees them."""

    user_id: int
    capacity: int
    load: int
    last_assigned_at: dt.datetime | None


def turn_key(person: Turn, *, total_load: int, total_capacity: int) -> tuple:
    """Smaller comes first. ``load × W − (N + 1) × capacity`` is (up to the factor W) how
    far the person would be above their capacity share once this lead is counted;
    the most negative is furthest behind. Integers only: no rounding decides a lead."""
    shortfall = person.load * total_capacity - (total_load + 1) * person.capacity
    waited = person.last_assigned_at.timestamp() if person.last_assigned_at else float("-inf")
    return (shortfall, waited, person.user_id)


def turn_pick(people: list[Turn]) -> Turn | None:
    if not people:
        return None
    total_load = sum(p.load for p in people)
    total_capacity = sum(p.capacity for p in people)
    return min(people, key=lambda p: turn_key(p, total_load=total_load, total_capacity=total_capacity))


def fair_share(capacity: int, *, total_capacity: int, leads: int) -> float:
    return leads * capacity / total_capacity if total_capacity else 0.0


# --- the window that "load" counts ------------------------------------------------------------


def load_window_start(policy: AllocationPolicy, now: dt.datetime) -> dt.datetime | None:
    """Midnight (business time) of the first day of this month or ISO week; ``None`` when
    load counts open leads instead."""
    today = timezone.localdate(now)
    if policy.balance_over == "month":
        first = today.replace(day=1)
    elif policy.balance_over == "week":
        first = today - dt.timedelta(days=today.weekday())
    else:
        return None
    return timezone.make_aware(dt.datetime.combine(first, dt.time.min))


# --- the first-response deadline ----------------------------------------------------------------


def response_deadline(start: dt.datetime, policy: AllocationPolicy) -> dt.datetime | None:
    """``first_response_hours`` working hours after ``start``: only the hours between
    ``workday_start`` and ``workday_end`` on working days count (weekends and public
    holidays off, make-up workdays on, when ``holidays_pause``). ``None``: no deadline."""
    if policy.first_response_hours <= 0:
        return None
    from .pool import is_workday

    local = timezone.localtime(start)
    remaining = dt.timedelta(hours=policy.first_response_hours)
    day, cursor = local.date(), local
    for _i in range(800):  # bounded: even Spring Festival leaves working days within weeks
        if not policy.holidays_pause or is_workday(day):
            opens = timezone.make_aware(dt.datetime.combine(day, policy.workday_start))
            closes = timezone.make_aware(dt.datetime.combine(day, policy.workday_end))
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return cursor
