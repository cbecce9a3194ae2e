"""``/api/v1/customers/pool/``: masked pool list, claim, release, assignment, events and
quota, with refusals in the ``{code, message, fields}`` shape and nothing changed."""

from __future__ import annotations

import pytest

from zhidu.customers.models import Customer, PoolEvent
from zhidu.customers.services import pool as svc

from .factories import ContactFactory
from .pool_support import held

pytestmark = pytest.mark.django_db
BASE = "/api/v1/customers/pool/"


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def released(org, owner=None):
    c = held(owner or org.rep_a1)
    ContactFactory(customer=c, phone="13912345678", wechat="wx_li", is_primary=True)
    return svc.customer_release(actor=owner or org.rep_a1, customer=c, reason="暂无预算")


def test_release_then_list_masked_then_claim(org, as_user):
    c = held(org.rep_a1)
    ContactFactory(customer=c, phone="13912345678", wechat="wx_li", email="li@example.com", is_primary=True)
    api = as_user(org.rep_a1)
    r = api.post(f"{BASE}releases", {"customer_id": c.pk, "reason": "暂无预算"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["owner_id"] is None and r.json()["pool_id"]

    api = as_user(org.rep_a2)
    page = api.get(f"{BASE}customers").json()
    assert [i["id"] for i in page["items"]] == [c.pk]
    item = page["items"][0]
    assert item["reason"] == "暂无预算" and item["how"] == "release" and item["former_owner_id"] == org.rep_a1.pk
    assert item["contacts"][0]["phone"] == "139****5678" and item["contacts"][0]["wechat"] == "w***"
    assert "13912345678" not in str(page)
    assert api.get(f"{BASE}customers/{c.pk}").json()["contacts"][0]["email"] == "l*@example.com"

    r = api.post(f"{BASE}customers/{c.pk}/claim")
    assert r.status_code == 200, r.content
    assert r.json()["owner_id"] == org.rep_a2.pk and r.json()["protected_until"]
    quota = api.get(f"{BASE}quota").json()
    assert quota["claimed_today"] == 1 and quota["per_day"] == 5 and quota["held"] == 1 and quota["cap"] == 200
    kinds = [e["kind"] for e in api.get(f"{BASE}events").json()["items"]]
    assert kinds == ["claim", "release"]


def test_release_without_a_reason_is_422(org, as_user):
    c = held(org.rep_a1)
    r = as_user(org.rep_a1).post(
        f"{BASE}releases", {"customer_id": c.pk, "reason": " "}, content_type="application/json"
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and "reason" in body["fields"] and body["message"]
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk


def test_release_of_a_peers_customer_is_404(org, as_user):
    c = held(org.rep_a1)
    r = as_user(org.rep_a2).post(
        f"{BASE}releases", {"customer_id": c.pk, "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk


def test_second_claim_is_a_409_with_a_clear_message(org, as_user):
    c = released(org)
    assert as_user(org.rep_a2).post(f"{BASE}customers/{c.pk}/claim").status_code == 200
    r = as_user(org.tm_a).post(f"{BASE}customers/{c.pk}/claim")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "already_claimed" and c.name in body["message"] and body["fields"] == {}
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a2.pk
    assert PoolEvent.objects.filter(kind="claim").count() == 1


def test_claim_cooldown_is_422_limit_exceeded(org, as_user):
    c = released(org)
    r = as_user(org.rep_a1).post(f"{BASE}customers/{c.pk}/claim")
    assert r.status_code == 422 and r.json()["code"] == "cooldown"


def test_claim_outside_ones_pools_is_404_and_without_permission_403(org, as_user):
    c = released(org)
    r = as_user(org.rep_c1).post(f"{BASE}customers/{c.pk}/claim")
    assert r.status_code == 404
    r = as_user(org.finance).post(f"{BASE}customers/{c.pk}/claim")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert Customer.objects.get(pk=c.pk).owner_id is None


def test_assign_by_a_manager_and_refused_for_reps(org, as_user):
    c = released(org)
    r = as_user(org.rep_a2).post(
        f"{BASE}customers/{c.pk}/assign", {"to_user_id": org.rep_a2.pk}, content_type="application/json"
    )
    assert r.status_code == 403
    r = as_user(org.tm_a).post(
        f"{BASE}customers/{c.pk}/assign",
        {"to_user_id": org.rep_a2.pk, "reason": "重点"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["owner_id"] == org.rep_a2.pk
    r = as_user(org.tm_a).post(
        f"{BASE}customers/{c.pk}/assign", {"to_user_id": 999999}, content_type="application/json"
    )
    assert r.status_code == 422 and "to_user_id" in r.json()["fields"]


def test_pools_list_and_unauthenticated(org, as_user, client):
    released(org)
    assert client.get(f"{BASE}pools").status_code == 401
    pools = as_user(org.rep_a2).get(f"{BASE}pools").json()
    assert any(p["unit_id"] == org.team_a.pk for p in pools)
    assert as_user(org.rep_c1).get(f"{BASE}customers").json()["items"] == []


def test_pool_list_query_count_does_not_grow(org, as_user, django_assert_max_num_queries):
    for _ in range(30):
        released(org)
    api = as_user(org.rep_a2)
    with django_assert_max_num_queries(14):
        r = api.get(f"{BASE}customers", {"page_size": 30})
    assert len(r.json()["items"]) == 30
