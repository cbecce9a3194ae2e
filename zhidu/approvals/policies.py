"""The ``approval`` policy kind (审批流) and the pure rules that read it.

A policy is an ordered list of flows; the first flow whose match rules fit the object
is used (a ``flow_hint`` from the owning app is tried first). Each flow has ordered
steps; a step names who approves and how (或签 any / 会签 all).

Regulation: seed 000 §3.5 (contract review before signing), §5.2 (expense approval) and
seed 003 (signing authority: a rep signs ordinary order contracts "under authorisation").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zhidu.org.choices import Role

UNIT_SUBMITTER = "submitter_unit"
UNIT_REGION = "submitter_region"
UNIT_COMPANY = "submitter_company"
RELATIVE_UNITS = (UNIT_SUBMITTER, UNIT_REGION, UNIT_COMPANY)


class Approver(BaseModel):
    """Who approves a step.

    - ``manager``: the submitter's ``level``-th manager (1 = direct), found through unit
      heads; a unit without a head passes to its parent's head.
    - ``managers_up_to``: every manager from level 1 up to ``level``, one step each (多级主管).
    - ``role_in_unit``: everyone holding ``role`` in ``unit`` (a unit code, or
      ``submitter_unit`` / ``submitter_region`` / ``submitter_company``).
    - ``users``: the named people (``usernames``).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["manager", "managers_up_to", "role_in_unit", "users"] = Field(
        description="manager, managers_up_to, role_in_unit or users"
    )
    level: int = Field(default=1, ge=1, le=10, description="Manager level for manager / managers_up_to (1 = direct).")
    role: str = Field(default="", description="Role code for role_in_unit, e.g. director, finance.")
    unit: str = Field(
        default="", description="Unit code for role_in_unit, or submitter_unit, submitter_region, submitter_company."
    )
    usernames: list[str] = Field(default_factory=list, description="User names for users.")

    @model_validator(mode="after")
    def _check(self) -> Approver:
        if self.kind == "role_in_unit":
            if self.role not in Role.values:
                raise ValueError(
                    gettext("role_in_unit needs a role, one of: %(roles)s") % {"roles": ", ".join(Role.values)}
                )
            if not self.unit:
                raise ValueError(
                    gettext("role_in_unit needs a unit code, or submitter_unit, submitter_region or submitter_company")
                )
        if self.kind == "users" and not self.usernames:
            raise ValueError(gettext("users needs at least one user name"))
        return self


class FlowStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100, description="Shown to people, e.g. 'Finance review'.")
    who: Approver
    mode: Literal["any", "all"] = Field(default="any", description="any = one of them approves (或签); all = 会签.")


class FlowMatch(BaseModel):
    """Every rule given must hold; an empty rule matches everything."""

    model_config = ConfigDict(extra="forbid")

    object_types: list[str] = Field(
        default_factory=list, description="Model labels such as customers.customer; empty = any object."
    )
    amount_min: Decimal | None = Field(default=None, description="Amount at least this (inclusive).")
    amount_max: Decimal | None = Field(default=None, description="Amount below this (exclusive).")
    unit_codes: list[str] = Field(default_factory=list, description="Org unit codes; empty = any unit.")
    include_subtree: bool = Field(default=True, description="Units below the listed ones match too.")
    conditions: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra keys the owning app passes (or snapshot fields): value, or a list of allowed values.",
    )

    @field_validator("object_types")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [x.strip().lower() for x in v if x.strip()]

    @model_validator(mode="after")
    def _range(self) -> FlowMatch:
        if self.amount_min is not None and self.amount_max is not None and self.amount_max <= self.amount_min:
            raise ValueError(gettext("amount_max must be greater than amount_min"))
        return self


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_\-]{1,64}$", description="Stable key, e.g. contract_large.")
    label: str = Field(default="", max_length=100)
    match: FlowMatch = Field(default_factory=lambda: FlowMatch.model_validate({}))
    steps: list[FlowStep] = Field(min_length=1)
    cc: list[Approver] = Field(default_factory=list, description="People copied in (抄送), told of the decision.")


# The names the default flows use; only these are translated when shown (a name an
# administrator typed is shown as typed, even if it happens to be a word in a catalogue).
DEFAULT_NAMES = frozenset(
    {
        gettext_noop("Direct manager"),
        gettext_noop("Regional manager"),
        gettext_noop("Sales director"),
        gettext_noop("Large amount (signing authority)"),
    }
)


def display_name(name: str) -> str:
    return gettext(name) if name in DEFAULT_NAMES else name


def _default_flows() -> list[Flow]:
    """Seed 003: a rep signs ordinary orders "under authorisation"; large amounts go up the
    line to the regional manager and the sales director, with finance copied in."""
    direct = {"name": gettext_noop("Direct manager"), "who": {"kind": "manager", "level": 1}}
    return [
        Flow.model_validate(
            {
                "name": "large_amount",
                "label": gettext_noop("Large amount (signing authority)"),
                "match": {"amount_min": "500000"},
                "steps": [
                    direct,
                    {"name": gettext_noop("Regional manager"), "who": {"kind": "manager", "level": 2}},
                    {
                        "name": gettext_noop("Sales director"),
                        "who": {"kind": "role_in_unit", "role": Role.DIRECTOR.value, "unit": UNIT_COMPANY},
                    },
                ],
                "cc": [{"kind": "role_in_unit", "role": Role.FINANCE.value, "unit": UNIT_COMPANY}],
            }
        ),
        Flow.model_validate({"name": "default", "label": gettext_noop("Direct manager"), "steps": [direct]}),
    ]


class ApprovalPolicy(BaseModel):
    """The flows, tried in order; the first that matches is used."""

    model_config = ConfigDict(extra="forbid")

    flows: list[Flow] = Field(default_factory=_default_flows, min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ApprovalPolicy:
        names = [f.name for f in self.flows]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(gettext("Flow names must be unique: %(names)s") % {"names": ", ".join(dupes)})
        return self


def _condition_holds(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list):
        return any(_condition_holds(e, actual) for e in expected)
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None or actual is None:
        return expected == actual
    if isinstance(actual, (int, float, Decimal)) and isinstance(expected, (int, float, str, Decimal)):
        try:
            return Decimal(str(actual)) == Decimal(str(expected))
        except ArithmeticError:
            return False
    return str(expected) == str(actual)


def flow_matches(
    flow: Flow,
    *,
    object_type: str,
    amount: Decimal | None,
    unit_codes_up: list[str],
    context: dict[str, Any],
) -> bool:
    """``unit_codes_up``: the request unit's code first, then its ancestors' codes."""
    m = flow.match
    if m.object_types and object_type.lower() not in m.object_types:
        return False
    if m.amount_min is not None and (amount is None or amount < m.amount_min):
        return False
    if m.amount_max is not None and (amount is None or amount >= m.amount_max):
        return False
    if m.unit_codes:
        candidates = unit_codes_up if m.include_subtree else unit_codes_up[:1]
        if not set(candidates) & set(m.unit_codes):
            return False
    for key, expected in m.conditions.items():
        if key not in context or not _condition_holds(expected, context[key]):
            return False
    return True


def flow_select(
    policy: ApprovalPolicy,
    *,
    object_type: str,
    amount: Decimal | None,
    unit_codes_up: list[str],
    context: dict[str, Any],
    flow_hint: str = "",
) -> Flow | None:
    """The flow named by ``flow_hint`` if it exists and matches; otherwise the first match."""
    flows = list(policy.flows)
    if flow_hint:
        flows = [f for f in flows if f.name == flow_hint] + [f for f in flows if f.name != flow_hint]
    for flow in flows:
        if flow_matches(flow, object_type=object_type, amount=amount, unit_codes_up=unit_codes_up, context=context):
            return flow
    return None


def register() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key="approval",
            label=_("Approval flows"),
            clause="000 §3.5, §5.2; 003",
            model=ApprovalPolicy,
            description=_(
                "Which approval flow a document goes through (by object type, amount and org unit) "
                "and who approves each step: the submitter's managers, a role in a unit, or named people."
            ),
        )
    )
