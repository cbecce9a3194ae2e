"""Policy kind ``pool`` (公海) and the pure rules that read it.

- Where a released or recycled customer goes: its unit's team pool, the region's pool or
  the company pool (``release_to``).
- Claims (领取): per person per day (the day resets at midnight business time), a cooldown
  for the former owner; the total a person may hold is the ``holding`` policy (库容).
- Recycling (回收, 000 §1.3 and issue 4): no valid follow-up within N working days or no
  deal within M working days, per tier, counted from receipt; never before the protection
  period ends, never while locked or while a paying customer (a deal within X months);
  the owner is warned D working days before. Public holidays and their make-up workdays
  (调休) pause the clock: days are counted with the ``chinese_calendar`` package
  (``holidays_pause``); outside the years it covers, Monday to Friday are working days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

TIERS = ("A", "B", "C", "D")


def _tier_days(value: dict[str, int]) -> dict[str, int]:
    unknown = set(value) - set(TIERS)
    if unknown:
        raise ValueError(f"unknown tier(s): {', '.join(sorted(unknown))}; use A, B, C, D")
    if any(v < 0 for v in value.values()):
        raise ValueError("days cannot be negative")
    return value


class PoolPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release_to: Literal["team", "region", "company"] = Field(
        "team",
        description="Which pool released and recycled customers go to: the owner's team's, the region's or the company's.",
    )
    claims_per_day: int = Field(
        5,
        ge=0,
        le=1000,
        description="Customers one person may claim from pools per day (midnight to midnight); 0 = no limit.",
    )
    cooldown_days: int = Field(
        30, ge=0, le=3650, description="Days before a former owner may claim back a customer they released or lost."
    )
    recycle_enabled: bool = Field(True, description="The scheduled job recycles idle customers to the pool.")
    follow_up_days: dict[str, int] = Field(
        default_factory=lambda: {"A": 60, "B": 40, "C": 20, "D": 15},
        description="Tier → working days without a valid follow-up after which a customer is recycled; 0 = never.",
    )
    deal_days: dict[str, int] = Field(
        default_factory=lambda: {"A": 250, "B": 180, "C": 120, "D": 90},
        description="Tier → working days without a deal after which a customer is recycled; 0 = never.",
    )
    warn_days_before: int = Field(
        3, ge=0, le=60, description="Working days before recycling that the owner is warned (once)."
    )
    paying_months: int = Field(
        12, ge=0, le=120, description="A customer with a deal within this many months is never recycled."
    )
    holidays_pause: bool = Field(
        True, description="Public holidays and weekends (with make-up workdays) do not count towards the clock."
    )
    batch_size: int = Field(500, ge=10, le=10000, description="Customers recycled per transaction by the job.")

    _check_follow_up = field_validator("follow_up_days")(_tier_days)
    _check_deal = field_validator("deal_days")(_tier_days)


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="pool",
            label=_("Public pool"),
            clause="000 §1.3",
            model=PoolPolicy,
            description=_(
                "Where released customers go, claim limits and cooldown, and when idle customers are recycled."
            ),
        )
    )


# --- working days ------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    """A working day in mainland China: weekends and public holidays are off, make-up
    workdays (调休) are on. Years the package does not cover fall back to Monday–Friday."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _counts(day: dt.date, holidays_pause: bool) -> bool:
    return is_workday(day) if holidays_pause else True


def workdays_between(start: dt.date, end: dt.date, *, holidays_pause: bool = True) -> int:
    """Working days strictly after ``start`` and strictly before ``end``: the days that
    have fully passed since ``start`` when it is now ``end``."""
    n = 0
    day = start + dt.timedelta(days=1)
    while day < end:
        n += _counts(day, holidays_pause)
        day += dt.timedelta(days=1)
    return n


@lru_cache(maxsize=4096)
def nth_workday_before(today: dt.date, n: int, *, holidays_pause: bool = True) -> dt.date:
    """The date ``d`` such that the days ``[d, today)`` hold exactly ``n`` working days
    and ``d`` is one of them. A clock that started before ``d`` has run ``n`` working days."""
    if n <= 0:
        return today
    day = today
    count = 0
    # Bounded: even the longest Chinese holiday leaves a working day every few weeks.
    for _i in range(n * 7 + 60):
        day -= dt.timedelta(days=1)
        if _counts(day, holidays_pause):
            count += 1
            if count == n:
                return day
    return day


@lru_cache(maxsize=65536)
def add_workdays(start: dt.date, n: int, *, holidays_pause: bool = True) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
    day = start
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        count += _counts(day, holidays_pause)
    return day


def midnight(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in the business time zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def idle_cutoff(today: dt.date, days: int, *, holidays_pause: bool = True) -> dt.datetime | None:
    """A clock that started before this moment has run at least ``days`` working days by
    ``today`` (the day being judged is not counted: it has not passed yet). ``None`` when
    the rule is off (``days`` is 0)."""
    if days <= 0:
        return None
    return midnight(nth_workday_before(today, days, holidays_pause=holidays_pause))


def recycle_due_date(clock_start: dt.date, days: int, *, holidays_pause: bool = True) -> dt.date:
    """The day a customer whose clock started on ``clock_start`` is recycled: the day after
    the ``days``-th working day after the start."""
    return add_workdays(clock_start, days, holidays_pause=holidays_pause) + dt.timedelta(days=1)


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight today in the business time zone: the daily claim limit resets here."""
    return midnight(timezone.localdate(now))
