"""Policy kind ``export`` (导出) and the pure rule that reads it.

Issue 4 and seed 003 (confidentiality of customer records): export and print are action
permissions (off for reps by default, ``permissions.py``); on top of that the policy
limits who may export at all and how many rows one export may carry before it needs an
approval. Every file carries the exporter's name and the time (watermark) and every export
is in the access log (``services/exports.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field


class ExportPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approval_over_rows: int = Field(
        500,
        ge=0,
        description="An export of more rows than this needs an approval first; 0 = every export needs one.",
    )
    max_rows: int = Field(
        50000, ge=1, le=1_000_000, description="No export carries more rows than this, even with an approval."
    )
    roles: list[str] = Field(
        default_factory=list,
        description="Only people holding one of these roles may export (role codes); empty = everyone "
        "the permission table allows.",
    )
    file_days: int = Field(7, ge=1, le=90, description="Days an approved export stays ready for download.")


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="export",
            label=_("Exports"),
            clause="003",
            model=ExportPolicy,
            description=_("Who may export customer data and how many rows an export may carry without an approval."),
        )
    )


def needs_approval(rows: int, policy: ExportPolicy) -> bool:
    return policy.approval_over_rows == 0 or rows > policy.approval_over_rows


def role_allowed(roles: set[str], policy: ExportPolicy, *, is_superuser: bool = False) -> bool:
    return is_superuser or not policy.roles or bool(roles & set(policy.roles))
