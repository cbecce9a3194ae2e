"""Policy kinds ``follow_up`` (有效跟进) and ``visit`` (拜访签到), and the pure rules that
read them.

- ``follow_up``: which activity types, how much content and which outcomes make a valid
  follow-up (only valid ones extend protection and count for KPIs); how often each tier
  must be followed up; how late a follow-up may be logged and still count; attachments.
- ``visit``: a check-in from a phone counts only with a position, a good enough accuracy,
  close enough to the customer's pinned location, and (by default) a photo.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .pool import TIERS


class FollowUpPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_types: list[str] = Field(
        default_factory=list,
        description="Activity type codes that can count as a valid follow-up; empty = the types marked so by the admin.",
    )
    min_content_chars: int = Field(
        15, ge=0, le=2000, description="A valid follow-up says at least this many characters about what happened."
    )
    valid_outcomes: list[str] = Field(
        default_factory=lambda: ["progressed", "maintained", "refused", "other"],
        description="Outcomes that count (an unanswered call does not).",
    )
    max_backdate_days: int = Field(
        3, ge=0, le=365, description="A follow-up logged more than this many days after it happened does not count."
    )
    frequency_days: dict[str, int] = Field(
        default_factory=lambda: {"A": 7, "B": 14, "C": 30, "D": 60},
        description="Tier → days within which a customer must have a valid follow-up (overdue list); 0 = none.",
    )
    birthday_remind_days: int = Field(7, ge=0, le=60, description="Days ahead a contact's birthday shows on my day.")
    max_attachments: int = Field(10, ge=0, le=50, description="Attachments per follow-up.")
    max_attachment_mb: int = Field(10, ge=1, le=200, description="Largest attachment, in megabytes.")
    attachment_types: list[str] = Field(
        default_factory=lambda: [
            ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic",
            ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".csv", ".zip",
        ],
        description="File name endings allowed for attachments.",
    )  # fmt: skip

    @field_validator("frequency_days")
    @classmethod
    def _tiers(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - set(TIERS)
        if unknown:
            raise ValueError(f"unknown tier(s): {', '.join(sorted(unknown))}; use A, B, C, D")
        return value

    @field_validator("attachment_types")
    @classmethod
    def _endings(cls, value: list[str]) -> list[str]:
        return [v.lower() if v.startswith(".") else f".{v.lower()}" for v in value]


class VisitPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_distance_m: int = Field(
        500, ge=10, le=100_000, description="Farther than this from the customer's pinned location: flagged."
    )
    max_accuracy_m: int = Field(200, ge=5, le=100_000, description="A position less accurate than this: flagged.")
    require_photo: bool = Field(True, description="A check-in without a live photo is flagged.")
    require_pinned_location: bool = Field(
        False, description="Flag check-ins at customers with no pinned location (the distance cannot be checked)."
    )
    max_photo_mb: int = Field(10, ge=1, le=50, description="Largest photo, in megabytes.")


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="follow_up",
            label=_("Valid follow-ups"),
            clause="004 §2.1",
            model=FollowUpPolicy,
            description=_("What counts as a valid follow-up, how often each tier is followed up, attachments."),
        )
    )
    register_policy(
        PolicyKind(
            key="visit",
            label=_("Visit check-in"),
            clause="003",
            model=VisitPolicy,
            description=_("When a visit check-in from a phone counts: distance, accuracy, live photo."),
        )
    )


# --- validity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    valid: bool
    reason: str


def follow_up_validity(
    *,
    type_code: str,
    type_counts: bool,
    type_requires_check_in: bool,
    content: str,
    outcome: str,
    occurred_on: dt.date,
    logged_on: dt.date,
    check_in_flagged: bool | None,
    check_in_reason: str = "",
    policy: FollowUpPolicy,
) -> Validity:
    """Whether a follow-up counts (issue 4: only valid ones extend protection and count for
    KPIs), with the first reason it does not. ``check_in_flagged`` is None when there is no
    check-in."""
    allowed = set(policy.valid_types)
    if (allowed and type_code not in allowed) or (not allowed and not type_counts):
        return Validity(False, gettext("This kind of follow-up does not count as a valid follow-up."))
    chars = len("".join((content or "").split()))
    if chars < policy.min_content_chars:
        return Validity(
            False,
            gettext("Too short to count: %(n)d characters, at least %(min)d.")
            % {"n": chars, "min": policy.min_content_chars},
        )
    if outcome not in policy.valid_outcomes:
        return Validity(False, gettext("This outcome does not count as a valid follow-up."))
    if (logged_on - occurred_on).days > policy.max_backdate_days:
        return Validity(
            False,
            gettext("Logged %(n)d days after it happened; at most %(max)d days count.")
            % {"n": (logged_on - occurred_on).days, "max": policy.max_backdate_days},
        )
    if type_requires_check_in:
        if check_in_flagged is None:
            return Validity(False, gettext("A visit counts only with a check-in on site."))
        if check_in_flagged:
            return Validity(False, gettext("The check-in was flagged: %(reason)s") % {"reason": check_in_reason})
    return Validity(True, gettext("Valid follow-up."))


# --- check-in -----------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class CheckInResult:
    distance_m: int | None
    flagged: bool
    reason: str


def check_in_assess(
    *,
    latitude: Decimal | float | None,
    longitude: Decimal | float | None,
    accuracy_m: float | None,
    customer_latitude: Decimal | float | None,
    customer_longitude: Decimal | float | None,
    has_photo: bool,
    policy: VisitPolicy,
) -> CheckInResult:
    """The distance to the customer (computed here, on the server) and whether the check-in
    is flagged, with every reason that applies."""
    reasons: list[str] = []
    distance: int | None = None
    if latitude is None or longitude is None:
        reasons.append(gettext("no location"))
    else:
        if accuracy_m is None or accuracy_m > policy.max_accuracy_m:
            reasons.append(
                gettext("position accuracy %(acc)s m is worse than %(max)d m")
                % {"acc": "?" if accuracy_m is None else int(round(accuracy_m)), "max": policy.max_accuracy_m}
            )
        if customer_latitude is not None and customer_longitude is not None:
            distance = int(
                round(
                    haversine_m(float(latitude), float(longitude), float(customer_latitude), float(customer_longitude))
                )
            )
            if distance > policy.max_distance_m:
                reasons.append(
                    gettext("%(d)d m from the customer, more than %(max)d m")
                    % {"d": distance, "max": policy.max_distance_m}
                )
        elif policy.require_pinned_location:
            reasons.append(gettext("the customer has no pinned location"))
    if policy.require_photo and not has_photo:
        reasons.append(gettext("no photo"))
    return CheckInResult(distance_m=distance, flagged=bool(reasons), reason="; ".join(reasons)[:200])
