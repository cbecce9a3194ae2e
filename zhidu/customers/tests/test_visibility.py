"""Persona × action matrix on real customers (NetBox-style): who sees what."""

import pytest

from zhidu.customers.models import Contact, Customer
from zhidu.customers.policies import DefaultPolicy
from zhidu.customers.policies.customers import CustomerVisibilityPolicy
from zhidu.customers.services.customers import collaborator_set
from zhidu.org.permissions import clear_cache

from .factories import ContactFactory, CustomerFactory, PublicPoolFactory

pytestmark = pytest.mark.django_db

EVERYONE = ["gm", "director", "finance", "rm_east", "rm_west", "tm_a", "rep_a1", "rep_a2", "asst_a"]
EVERYONE += ["tm_b", "rep_b1", "tm_c", "rep_c1", "admin"]


@pytest.fixture
def book(org):
    return {
        "a1": CustomerFactory(name="甲一客户", owner=org.rep_a1),
        "b1": CustomerFactory(name="乙一客户", owner=org.rep_b1),
        "c1": CustomerFactory(name="丙一客户", owner=org.rep_c1),
    }


ALL = {"a1", "b1", "c1"}
MATRIX = {
    # persona: {action: visible customers}
    "gm": {"view": ALL, "edit": ALL, "delete": ALL, "export": ALL, "merge": ALL},
    "director": {"view": ALL, "edit": ALL, "delete": ALL, "export": ALL, "merge": ALL},
    "admin": {"view": ALL, "edit": ALL, "delete": ALL, "export": ALL, "merge": ALL},
    "finance": {"view": ALL, "edit": set(), "delete": set(), "export": set(), "merge": set()},
    "rm_east": {
        "view": {"a1", "b1"},
        "edit": {"a1", "b1"},
        "delete": {"a1", "b1"},
        "export": set(),
        "merge": {"a1", "b1"},
    },
    "rm_west": {"view": {"c1"}, "edit": {"c1"}, "delete": {"c1"}, "export": set(), "merge": {"c1"}},
    "tm_a": {"view": {"a1"}, "edit": {"a1"}, "delete": {"a1"}, "export": set(), "merge": {"a1"}},
    "tm_b": {"view": {"b1"}, "edit": {"b1"}, "delete": {"b1"}, "export": set(), "merge": {"b1"}},
    "tm_c": {"view": {"c1"}, "edit": {"c1"}, "delete": {"c1"}, "export": set(), "merge": {"c1"}},
    "rep_a1": {"view": {"a1"}, "edit": {"a1"}, "delete": set(), "export": set(), "merge": set()},
    "rep_a2": {"view": set(), "edit": set(), "delete": set(), "export": set(), "merge": set()},
    "asst_a": {"view": {"a1"}, "edit": {"a1"}, "delete": set(), "export": set(), "merge": set()},
    "rep_b1": {"view": {"b1"}, "edit": {"b1"}, "delete": set(), "export": set(), "merge": set()},
    "rep_c1": {"view": {"c1"}, "edit": {"c1"}, "delete": set(), "export": set(), "merge": set()},
}


@pytest.mark.parametrize("persona", EVERYONE)
def test_customer_and_contact_matrix(org, book, persona):
    """Every persona × action on three real customers; contacts follow their customer."""
    user = getattr(org, persona)
    for action, expected in MATRIX[persona].items():
        seen = {k for k, c in book.items() if Customer.objects.filter(pk=c.pk).visible_to(user, action).exists()}
        assert seen == expected, action
    for key, c in book.items():
        ContactFactory(customer=c, name=f"{key}的联系人")
    seen = {n.split("的")[0] for n in Contact.objects.visible_to(user, "view").values_list("name", flat=True)}
    assert seen == MATRIX[persona]["view"]


def test_collaborator_sees_without_duplicates(org, book):
    collaborator_set(actor=org.rep_a1, customer=book["a1"], user=org.rep_c1, access="read")
    collaborator_set(actor=org.rep_a1, customer=book["a1"], user=org.rep_b1, access="read")
    clear_cache(org.rep_c1)
    ids = list(Customer.objects.visible_to(org.rep_c1, "view").values_list("pk", flat=True))
    assert sorted(ids) == sorted([book["a1"].pk, book["c1"].pk])  # once each
    assert not Customer.objects.filter(pk=book["a1"].pk).visible_to(org.rep_c1, "edit").exists()
    # The manager sees a1 once even though it has two collaborators.
    assert list(Customer.objects.visible_to(org.tm_a, "view").values_list("pk", flat=True)) == [book["a1"].pk]


def test_team_visibility_policy(org, book, monkeypatch):
    from zhidu.customers import policies

    on = DefaultPolicy(
        kind="customer_visibility", value=CustomerVisibilityPolicy(reps_see_team_customers=True), ref="t"
    )
    monkeypatch.setattr(policies, "policy_for", lambda kind, **kw: on)
    clear_cache(org.rep_a2)
    assert set(Customer.objects.visible_to(org.rep_a2, "view")) == {book["a1"]}
    assert not Customer.objects.visible_to(org.rep_a2, "edit").exists()


def test_pool_members_see_their_pools(org):
    team_pool = PublicPoolFactory(unit=org.team_a)
    region_pool = PublicPoolFactory(unit=org.east)
    in_team = CustomerFactory(name="组公海客户", pool=team_pool, owner_unit=org.team_a)
    in_region = CustomerFactory(name="区公海客户", pool=region_pool, owner_unit=org.east)
    assert set(Customer.objects.visible_to(org.rep_a2, "view")) == {in_team, in_region}
    assert set(Customer.objects.visible_to(org.rep_b1, "view")) == {in_region}
    assert not Customer.objects.visible_to(org.rep_c1, "view").exists()
    assert not Customer.objects.visible_to(org.rep_a2, "edit").exists()
