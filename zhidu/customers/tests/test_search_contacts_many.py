"""The customer search folds in a few contact matches inline and switches to one UNION when
contacts match many customers; both ways give the same customers, in the user's scope."""

import pytest
from django.test import RequestFactory

from zhidu.customers.filtersets import customers as filtersets
from zhidu.customers.selectors.customers import customer_list

from .factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _search(user, q):
    request = RequestFactory().get("/customers/", {"q": q})
    request.user = user
    return {c.name for c in customer_list(user=user, filters={"q": q}, request=request)}


@pytest.fixture
def book(org):
    names = {}
    for i in range(6):
        c = CustomerFactory(name=f"客户{i}号机械有限公司", owner=org.rep_a1)
        ContactFactory(customer=c, name=f"王建国{i}", phone=f"1380000000{i}")
        names[c.pk] = c.name
    named = CustomerFactory(name="王建国机械有限公司", owner=org.rep_a1)  # by its own name only
    peer = CustomerFactory(name="同事的客户有限公司", owner=org.rep_a2)
    ContactFactory(customer=peer, name="王建国9", phone="13800000009")
    return {"mine": set(names.values()) | {named.name}, "peer": peer.name}


@pytest.mark.parametrize("inline", [100, 2], ids=["few-inline", "many-union"])
@pytest.mark.parametrize("query", ["王建国", "wangjianguo", "wjg"])
def test_same_customers_either_way(org, book, monkeypatch, inline, query):
    monkeypatch.setattr(filtersets, "CONTACT_MATCHES_INLINE", inline)
    found = _search(org.rep_a1, query)
    assert found == book["mine"]
    assert book["peer"] not in found


@pytest.mark.parametrize("inline", [100, 2], ids=["few-inline", "many-union"])
def test_phone_tail_either_way(org, book, monkeypatch, inline):
    monkeypatch.setattr(filtersets, "CONTACT_MATCHES_INLINE", inline)
    found = _search(org.rep_a1, "00000003")
    assert found == {"客户3号机械有限公司"}
    found = _search(org.rep_a1, "1380000000")
    assert found == set()  # ten digits is neither a whole number nor a tail of these
