"""Policy kinds of customer records, and the pure rules that read them.

- ``customer_visibility``: whether reps see their teammates' customers (默认不可见, to
  prevent 撬单; 000 §1.3 fairness).
- ``protection``: 保护期 — days from receipt, extension by valid follow-ups, one further
  extension by approval (004 §2.1; issue 4 "Registration and protection").
- ``holding``: 库容 — how many customers a person may hold, and how many locked.
- ``conflict``: 撞单 — who the policy proposes as the winner of a conflict claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field


class CustomerVisibilityPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reps_see_team_customers: bool = Field(
        False, description="Reps see (read only) the customers of everyone in their own team."
    )
    pool_members_see_pool: bool = Field(
        True, description="People see the customers lying in their unit's public pools (contact details masked)."
    )


class ProtectionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days_from_receipt: int = Field(90, ge=1, le=3650, description="Days a customer is protected after receipt.")
    follow_up_extends_days: int = Field(
        30, ge=0, le=365, description="A valid follow-up keeps it protected at least this many days after."
    )
    max_days_from_receipt: int = Field(
        180, ge=1, le=3650, description="Follow-ups never extend protection beyond this many days from receipt."
    )
    approval_extension_days: int = Field(30, ge=0, le=365, description="Days one extension by approval adds.")
    max_approval_extensions: int = Field(1, ge=0, le=10, description="Extensions by approval allowed per receipt.")


class HoldingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_customers: int = Field(200, ge=0, description="Customers one person may hold (库容); 0 = no limit.")
    max_customers_by_role: dict[str, int] = Field(
        default_factory=dict, description="Role code → its own cap, e.g. key_account_manager: 50."
    )
    count_active: bool = Field(
        False, description="Count customers with status active (paying) against the cap; by default they do not."
    )
    max_locked: int = Field(10, ge=0, description="Locked customers one person may hold; 0 = no limit.")


class ConflictPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_evidence_chars: int = Field(10, ge=0, le=2000, description="Evidence must say at least this much.")
    credit_to_winner: bool = Field(True, description="The winner gets the new-customer credit.")


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="customer_visibility",
            label=_("Customer visibility"),
            clause="000 §1.3",
            model=CustomerVisibilityPolicy,
            description=_("Whether reps see their teammates' customers, and pool customers."),
        )
    )
    register_policy(
        PolicyKind(
            key="protection",
            label=_("Customer protection period"),
            clause="004 §2.1",
            model=ProtectionPolicy,
            description=_("How long a registered or received customer is protected, and how it is extended."),
        )
    )
    register_policy(
        PolicyKind(
            key="holding",
            label=_("Customer holding caps"),
            clause="000 §1.3",
            model=HoldingPolicy,
            description=_("How many customers, and how many locked customers, one person may hold."),
        )
    )
    register_policy(
        PolicyKind(
            key="conflict",
            label=_("Conflict claims"),
            clause="000 §1.3",
            model=ConflictPolicy,
            description=_("What a conflict claim needs and who gets the new-customer credit."),
        )
    )


# --- protection --------------------------------------------------------------------------


def protected_until_on_receipt(received_on: dt.date, policy: ProtectionPolicy) -> dt.date:
    """The protection end for a customer received (registered, claimed, assigned) today."""
    return received_on + dt.timedelta(days=policy.days_from_receipt)


def protected_until_after_follow_up(
    *, current: dt.date | None, received_on: dt.date | None, follow_up_on: dt.date, policy: ProtectionPolicy
) -> dt.date | None:
    """A valid follow-up keeps the customer protected ``follow_up_extends_days`` after it,
    never beyond ``max_days_from_receipt`` (an approved extension may go further)."""
    if policy.follow_up_extends_days == 0:
        return current
    wanted = follow_up_on + dt.timedelta(days=policy.follow_up_extends_days)
    if received_on is not None:
        wanted = min(wanted, received_on + dt.timedelta(days=policy.max_days_from_receipt))
    if current is None or wanted > current:
        return wanted
    return current


# --- holding -----------------------------------------------------------------------------


def holding_cap(roles: set[str], policy: HoldingPolicy) -> int | None:
    """The cap for a person holding ``roles`` (the largest that applies), or None."""
    caps = [policy.max_customers_by_role[r] for r in roles if r in policy.max_customers_by_role]
    cap = max(caps) if caps else policy.max_customers
    return cap or None


# --- conflict ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of a conflict: who, when they registered, whether that registration is
    still protected, and their latest valid follow-up."""

    user_id: int | None
    registered_at: dt.datetime | None
    protected_until: dt.date | None
    last_valid_follow_up_at: dt.datetime | None


def conflict_propose(*, existing: Side, claimant: Side, today: dt.date) -> tuple[int | None, str]:
    """(proposed winner's user id, reason). Rule: an earlier registration still within its
    protection period wins; else the latest valid follow-up; on a tie the existing owner
    keeps the customer."""

    def protected(side: Side) -> bool:
        return side.protected_until is not None and side.protected_until >= today

    claimant_first = claimant.registered_at is not None and (
        existing.registered_at is None or claimant.registered_at < existing.registered_at
    )
    first = claimant if claimant_first else existing
    if first.registered_at is not None and protected(first):
        return first.user_id, gettext("Registered first (%(date)s) and still protected until %(until)s.") % {
            "date": f"{first.registered_at:%Y-%m-%d}",
            "until": f"{first.protected_until:%Y-%m-%d}",
        }
    e, c = existing.last_valid_follow_up_at, claimant.last_valid_follow_up_at
    if c is not None and (e is None or c > e):
        return claimant.user_id, gettext(
            "No protected earlier registration; the latest valid follow-up (%(date)s)."
        ) % {"date": f"{c:%Y-%m-%d}"}
    if e is not None:
        return existing.user_id, gettext(
            "No protected earlier registration; the latest valid follow-up (%(date)s)."
        ) % {"date": f"{e:%Y-%m-%d}"}
    return existing.user_id, gettext(
        "Neither side has a protected registration or a valid follow-up: the owner keeps it."
    )
