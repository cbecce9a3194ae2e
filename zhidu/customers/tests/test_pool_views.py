"""Pool pages: the list (masked, filters, htmx partial, query count), claim and release
through the forms, assignment, the log and the pool administration."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhidu.customers.models import Customer, PoolEvent, PublicPool
from zhidu.customers.services import pool as svc

from .factories import ContactFactory
from .pool_support import held

pytestmark = pytest.mark.django_db


def released(org, owner=None, **kw):
    c = held(owner or org.rep_a1, **kw)
    ContactFactory(customer=c, phone="13912345678", wechat="wx_li", is_primary=True)
    return svc.customer_release(actor=owner or org.rep_a1, customer=c, reason="暂无预算")


def test_pool_page_lists_masked_customers(org, client, django_assert_max_num_queries):
    for _ in range(25):
        released(org)
    client.force_login(org.rep_a2)
    url = reverse("customers:pool_list")
    with django_assert_max_num_queries(25):
        r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('data-testid="pool-row"') == 25
    assert "139****5678" in html and "13912345678" not in html and "暂无预算" in html
    r = client.get(url, {"q": "nothing-like-this"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode()


def test_claim_and_release_through_the_pages(org, client):
    c = released(org)
    client.force_login(org.rep_a2)
    r = client.post(reverse("customers:pool_claim", args=[c.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("customers:customer_detail", args=[c.pk])
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a2.pk
    # Claimed already: back to the pool with the message, nothing changed.
    client.force_login(org.tm_a)
    r = client.post(reverse("customers:pool_claim", args=[c.pk]), follow=True)
    assert "no longer in the pool" in r.content.decode() or "不在公海" in r.content.decode()
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a2.pk

    client.force_login(org.rep_a2)
    url = reverse("customers:pool_release", args=[c.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"reason": ""})
    assert r.status_code == 200 and Customer.objects.get(pk=c.pk).owner_id == org.rep_a2.pk
    r = client.post(url, {"reason": "联系不上"})
    assert r.status_code == 302
    assert Customer.objects.get(pk=c.pk).pool_id is not None


def test_release_page_of_a_peers_customer_is_404(org, client):
    c = held(org.rep_a1)
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:pool_release", args=[c.pk])).status_code == 404


def test_assign_page(org, client):
    c = released(org)
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:pool_assign", args=[c.pk])).status_code == 403
    client.force_login(org.tm_a)
    url = reverse("customers:pool_assign", args=[c.pk])
    r = client.get(url)
    assert r.status_code == 200 and org.rep_a2.full_name in r.content.decode()
    assert org.rep_c1.full_name not in r.content.decode()
    r = client.post(url, {"to": org.rep_a2.pk, "reason": "重点客户"})
    assert r.status_code == 302 and Customer.objects.get(pk=c.pk).owner_id == org.rep_a2.pk


def test_pool_log_page(org, client, django_assert_max_num_queries):
    for _ in range(10):
        released(org)
    client.force_login(org.rep_a2)
    with django_assert_max_num_queries(20):
        r = client.get(reverse("customers:pool_events"))
    assert r.status_code == 200 and r.content.decode().count("暂无预算") == 10
    client.force_login(org.rep_c1)
    assert "暂无预算" not in client.get(reverse("customers:pool_events")).content.decode()


def test_pool_administration(org, client):
    client.force_login(org.rep_a1)
    r = client.post(reverse("customers:pool_admin"), {"name": "私海", "unit": org.team_a.pk})
    assert r.status_code == 302 and not PublicPool.objects.exists()
    client.force_login(org.director)
    r = client.post(reverse("customers:pool_admin"), {"name": "华东公海", "unit": org.east.pk, "is_active": "on"})
    assert r.status_code == 302
    pool = PublicPool.objects.get(unit=org.east)
    r = client.post(reverse("customers:pool_admin"), {"name": "又一个", "unit": org.east.pk})
    assert r.status_code == 200 and PublicPool.objects.filter(unit=org.east).count() == 1
    r = client.post(reverse("customers:pool_edit", args=[pool.pk]), {"name": "华东公海（停用）"})
    assert r.status_code == 302
    pool.refresh_from_db()
    assert not pool.is_active and pool.name == "华东公海（停用）"
    # Released to a unit whose pool is off: the company pool takes it.
    from .pool_support import publish

    publish(org.admin, "pool", {"release_to": "region"})
    c = svc.customer_release(actor=org.rep_a1, customer=held(org.rep_a1), reason="x")
    assert c.pool.unit_id is None
    assert PoolEvent.objects.filter(customer=c).get().pool.unit_id is None
