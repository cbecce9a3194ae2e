from decimal import Decimal

import pydantic
import pytest

from zhidu.approvals.policies import ApprovalPolicy, flow_select
from zhidu.policies.registry import policy_kind

from .conftest import flow, policy, step


def select(pol, object_type="customers.customer", amount=None, units=("team-a", "east", "company"), hint="", **ctx):
    f = flow_select(
        pol,
        object_type=object_type,
        amount=Decimal(amount) if amount is not None else None,
        unit_codes_up=list(units),
        context=ctx,
        flow_hint=hint,
    )
    return f.name if f else None


def test_kind_is_registered_with_its_clause_and_defaults_parse():
    kind = policy_kind("approval")
    assert "000 §3.5" in kind.clause
    default = kind.default()
    assert [f.name for f in default.flows] == ["large_amount", "default"]
    assert kind.parse(default.model_dump(mode="json")) == default


def test_selection_by_object_type_amount_and_unit():
    pol = policy(
        flow("contracts_big", match={"object_types": ["sales.Contract"], "amount_min": "100000"}),
        flow("contracts", match={"object_types": ["sales.contract"]}),
        flow("west_only", match={"unit_codes": ["west"]}),
        flow("mid", match={"amount_min": "1000", "amount_max": "5000"}),
        flow("default"),
    )
    assert select(pol, "sales.contract", "100000") == "contracts_big"  # min is inclusive
    assert select(pol, "sales.contract", "99999.99") == "contracts"
    assert select(pol, "sales.contract", None) == "contracts"  # an amount rule needs an amount
    assert select(pol, units=["team-c", "west", "company"]) == "west_only"  # subtree
    assert select(pol, amount="1000") == "mid"
    assert select(pol, amount="5000") == "default"  # max is exclusive
    assert select(pol) == "default"


def test_unit_rule_without_subtree_and_extra_conditions():
    pol = policy(
        flow("east_exact", match={"unit_codes": ["east"], "include_subtree": False}),
        flow("extension", match={"conditions": {"kind": ["extension", "renewal"], "urgent": True}}),
        flow("default"),
    )
    assert select(pol, units=["team-a", "east", "company"]) != "east_exact"
    assert select(pol, units=["east", "company"]) == "east_exact"
    assert select(pol, kind="extension", urgent=True) == "extension"
    assert select(pol, kind="renewal", urgent=True) == "extension"
    assert select(pol, kind="extension", urgent=False) == "default"
    assert select(pol, kind="extension") == "default"  # a condition key must be present


def test_flow_hint_is_tried_first_and_ignored_when_it_does_not_fit():
    pol = policy(flow("a"), flow("b", match={"amount_min": "10"}))
    assert select(pol) == "a"
    assert select(pol, amount="20", hint="b") == "b"
    assert select(pol, amount="5", hint="b") == "a"
    assert select(pol, hint="missing") == "a"


def test_no_flow_matches():
    assert select(policy(flow("only", match={"object_types": ["x.y"]}))) is None


@pytest.mark.parametrize(
    "doc",
    [
        {"flows": []},
        {"flows": [flow("a"), flow("a")]},
        {"flows": [flow("Bad Name")]},
        {"flows": [flow("a", step("role_in_unit", role="pope", unit="company"))]},
        {"flows": [flow("a", step("role_in_unit", role="director"))]},
        {"flows": [flow("a", step("users", usernames=[]))]},
        {"flows": [flow("a", step("manager", level=0))]},
        {"flows": [flow("a", step("manager", mode="some"))]},
        {"flows": [flow("a", match={"amount_min": "10", "amount_max": "5"})]},
        {"flows": [{"name": "a", "steps": []}]},
        {"flows": [flow("a")], "unknown": 1},
    ],
)
def test_invalid_policies_are_refused(doc):
    with pytest.raises(pydantic.ValidationError):
        ApprovalPolicy.model_validate(doc)
