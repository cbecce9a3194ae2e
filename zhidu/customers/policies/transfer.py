"""Policy kind ``transfer`` (离职交接 / 客户转移) and the pure rules that read it.

- What happens to a person's customers when they move to another unit (issue 4: "when a
  person moves unit, the policy says whether their customers follow them or stay with the
  unit"): ``follow`` re-stamps ``owner_unit`` with the new unit in one audited UPDATE;
  ``stay`` hands them to the head of the unit they leave (or to that unit's pool).
- What goes along with a transfer by default (open leads, open development steps, the
  leaver's pending approval tasks) and whether the receiver's protection period starts
  again (a transfer is a receipt, like a claim: 004 §2.1).

DESIGN (org and data scope): live records follow their owner when a policy says so;
historical facts keep the unit they were stamped with, and the new-customer credit
(``Customer.credit_to``) is never touched by a transfer.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field


class TransferPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_unit_move: Literal["follow", "stay"] = Field(
        "follow",
        description="When a person moves to another unit: their customers follow them (follow) "
        "or stay with the unit they leave (stay).",
    )
    stay_with: Literal["unit_head", "pool"] = Field(
        "unit_head",
        description="When customers stay: the head of the unit the person leaves receives them (unit_head), "
        "or they go to that unit's public pool (pool). Rows over the head's holding cap go to the pool.",
    )
    restart_protection: bool = Field(
        True,
        description="A transferred customer counts as received by the new owner: its protection period starts "
        "again (never shorter than it was).",
    )
    move_open_leads: bool = Field(True, description="A handover moves the person's open leads too.")
    move_open_steps: bool = Field(
        True, description="Open development-plan steps of the moved customers go to the new owner."
    )
    reassign_approval_tasks: bool = Field(
        True, description="A handover hands the person's pending approval tasks to the receiver."
    )
    min_reason_chars: int = Field(2, ge=1, le=500, description="A transfer needs a reason at least this long.")


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="transfer",
            label=_("Customer transfers and handover"),
            clause="003",
            model=TransferPolicy,
            description=_(
                "Whether customers follow a person who moves unit, and what goes along with a transfer or handover."
            ),
        )
    )


INCLUDE_LEADS = "leads"
INCLUDE_STEPS = "steps"
INCLUDE_APPROVALS = "approvals"
INCLUDE_ALL = frozenset({INCLUDE_LEADS, INCLUDE_STEPS, INCLUDE_APPROVALS})


def default_include(policy: TransferPolicy) -> set[str]:
    """What goes along with a transfer when the caller does not say."""
    out = set()
    if policy.move_open_leads:
        out.add(INCLUDE_LEADS)
    if policy.move_open_steps:
        out.add(INCLUDE_STEPS)
    if policy.reassign_approval_tasks:
        out.add(INCLUDE_APPROVALS)
    return out
