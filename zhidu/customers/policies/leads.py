"""Policy kind ``lead`` (线索筛选, 000 §3.1; 002 §2.3): the qualification checklist a lead is
screened with (BANT by default: budget, authority, need, timing), when a lead counts as
qualified, whether only qualified leads convert, and what a duplicate lead does."""

from __future__ import annotations

import re
from typing import Literal

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable code (a–z, digits, _), e.g. budget.")
    label: str = Field(description="What to check, in Chinese.")
    label_en: str = Field("", description="The same in English (shown to people who use English).")
    required: bool = Field(True, description="Must be checked before the lead counts as qualified.")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError("use lower-case letters, digits and _ (start with a letter)")
        return value

    @property
    def display(self) -> str:
        english = (get_language() or "").startswith("en")
        return (self.label_en or self.label) if english else self.label


def _bant() -> list[ChecklistItem]:
    items = [
        ("budget", "预算：客户有预算或能够筹措资金", "Budget: the customer has or can raise the money"),
        ("authority", "决策权：已接触决策人或清楚决策链", "Authority: we reach the decision maker or know the chain"),
        ("need", "需求：客户有明确需求，且与我们的产品相符", "Need: a clear need our products meet"),
        ("timing", "时间：有明确的采购时间表", "Timing: a purchase timeline is known"),
    ]
    return [ChecklistItem(code=c, label=zh, label_en=en, required=True) for c, zh, en in items]


class LeadPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checklist: list[ChecklistItem] = Field(
        default_factory=_bant, description="The qualification checklist (BANT by default)."
    )
    qualify_min_checked: int = Field(
        0, ge=0, le=50, description="Items that must be checked to qualify; 0 = every required item."
    )
    convert_requires_qualified: bool = Field(True, description="Only qualified leads convert to customers.")
    duplicate_leads: Literal["refuse", "reject", "allow"] = Field(
        "refuse",
        description=(
            "A new lead matching an open lead (phone, e-mail or company name): refuse it, keep it as "
            "disqualified (duplicate), or allow it."
        ),
    )
    duplicate_window_days: int = Field(
        180, ge=0, le=3650, description="Closed leads older than this many days no longer count as duplicates."
    )
    check_phone_format: bool = Field(
        True, description="Refuse phone numbers that cannot be a mainland mobile, a landline or a +country number."
    )

    @field_validator("checklist")
    @classmethod
    def _unique(cls, value: list[ChecklistItem]) -> list[ChecklistItem]:
        codes = [i.code for i in value]
        if len(codes) != len(set(codes)):
            raise ValueError("checklist codes must be unique")
        return value


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="lead",
            label=_("Lead screening"),
            clause="000 §3.1, 002 §2.3",
            model=LeadPolicy,
            description=_(
                "The qualification checklist, when a lead counts as qualified and converts, and what a duplicate lead does."
            ),
        )
    )


def checklist_missing(answers: dict, policy: LeadPolicy) -> list[ChecklistItem]:
    """The items still keeping a lead from qualifying (empty: it qualifies). With
    ``qualify_min_checked`` set, any that many checked items are enough."""
    checked = {code for code, a in (answers or {}).items() if isinstance(a, dict) and a.get("ok")}
    items = policy.checklist
    if policy.qualify_min_checked:
        have = sum(1 for i in items if i.code in checked)
        if have >= min(policy.qualify_min_checked, len(items)):
            return []
        return [i for i in items if i.code not in checked]
    return [i for i in items if i.required and i.code not in checked]


def phone_looks_valid(normalized: str) -> bool:
    """A normalised number (``normalize_phone``) that can exist: an 11-digit mainland
    mobile (1[3-9]…), a landline with its area code (0 + 9–11 digits), a 400/800 service
    number, or a foreign ``+…`` number of 7–15 digits. 空号 itself only a call reveals."""
    if not normalized:
        return True
    if normalized.startswith("+"):
        return 7 <= len(normalized) - 1 <= 15 and normalized[1:].isdigit()
    if not normalized.isdigit():
        return False
    if normalized.startswith("1"):
        return len(normalized) == 11 and normalized[1] in "3456789"
    if normalized.startswith(("400", "800")):
        return len(normalized) == 10
    if normalized.startswith("0"):
        return 10 <= len(normalized) <= 12
    return 7 <= len(normalized) <= 8  # a local landline without its area code
