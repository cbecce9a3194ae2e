"""Public pool (公海): release with a reason, claim limits (per day with the day boundary at
midnight Asia/Shanghai, the holding cap, the former owner's cooldown), masking in the
pool, manager assignment, the event log and the permission matrix."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from freezegun import freeze_time

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.customers.choices import PoolEventKind
from zhidu.customers.models import Customer, PoolEvent, PublicPool
from zhidu.customers.policies.customers import HoldingPolicy
from zhidu.customers.policies.pool import PoolPolicy
from zhidu.customers.selectors import pool as sel
from zhidu.customers.selectors.customers import contact_view
from zhidu.customers.services import pool as svc

from .factories import ContactFactory
from .pool_support import held, load_urls, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls_and_english():
    """URLs loaded before freezegun; messages compared in the English source."""
    load_urls()
    with translation.override("en"):
        yield


def pol(kind_model, **values):
    return SimpleNamespace(value=kind_model(**values), version_id=None, ref="test")


def in_pool(org, owner=None, **kw):
    """A customer released by ``owner`` (default rep_a1) into team_a's pool."""
    c = held(owner or org.rep_a1, **kw)
    return svc.customer_release(actor=owner or org.rep_a1, customer=c, reason="客户暂无需求")


# --- release ----------------------------------------------------------------------------------------


def test_release_needs_a_reason_and_changes_nothing(org):
    c = held(org.rep_a1)
    with pytest.raises(ValidationError) as exc:
        svc.customer_release(actor=org.rep_a1, customer=c, reason="   ")
    assert "reason" in exc.value.fields
    c.refresh_from_db()
    assert c.owner_id == org.rep_a1.pk and c.pool_id is None
    assert not PoolEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="customer.release").exists()


def test_release_goes_to_the_team_pool_and_is_logged(org):
    c = held(org.rep_a1, protected_until=timezone.localdate() + dt.timedelta(days=30))
    c = svc.customer_release(actor=org.rep_a1, customer=c, reason="预算取消")
    c.refresh_from_db()
    assert c.owner_id is None and c.protected_until is None
    assert c.pool.unit_id == org.team_a.pk and c.owner_unit_id == org.team_a.pk
    e = PoolEvent.objects.get()
    assert (e.kind, e.from_owner_id, e.actor_id, e.reason) == (
        PoolEventKind.RELEASE,
        org.rep_a1.pk,
        org.rep_a1.pk,
        "预算取消",
    )
    assert e.policy_ref == "pool · default"
    ev = AuditEvent.objects.get(action="customer.release")
    assert ev.changes["owner"] == [org.rep_a1.pk, None] and ev.reason == "预算取消"


def test_release_to_the_region_pool_by_policy(org):
    version = publish(org.admin, "pool", {"release_to": "region"})
    c = svc.customer_release(actor=org.rep_a1, customer=held(org.rep_a1), reason="转区域")
    assert c.pool.unit_id == org.east.pk
    e = PoolEvent.objects.get()
    assert e.policy_version_id == version.pk and "pool v" in e.policy_ref


def test_release_to_the_company_pool_by_policy(org):
    publish(org.admin, "pool", {"release_to": "company"})
    c = svc.customer_release(actor=org.rep_a1, customer=held(org.rep_a1), reason="放公司公海")
    assert c.pool.unit_id is None and c.owner_unit_id is None
    assert PublicPool.objects.filter(unit__isnull=True).count() == 1


def test_release_by_a_peer_is_refused_by_the_manager_allowed(org):
    c = held(org.rep_a1)
    with pytest.raises(NotFound):
        svc.customer_release(actor=org.rep_a2, customer=c, reason="x")
    with pytest.raises(NotFound):
        svc.customer_release(actor=org.tm_c, customer=c, reason="x")
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk
    svc.customer_release(actor=org.tm_a, customer=c, reason="离职前整理")
    assert Customer.objects.get(pk=c.pk).pool_id is not None


def test_release_of_a_locked_customer_is_refused(org):
    c = held(org.rep_a1, locked_until=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(Conflict) as exc:
        svc.customer_release(actor=org.rep_a1, customer=c, reason="x")
    assert exc.value.code == "locked"
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk


def test_release_twice_is_a_conflict(org):
    c = in_pool(org)
    with pytest.raises((Conflict, NotFound)):
        svc.customer_release(actor=org.rep_a1, customer=c, reason="again")
    assert PoolEvent.objects.count() == 1


# --- masking ------------------------------------------------------------------------------------------


def test_pool_customers_are_seen_by_members_with_contacts_masked(org):
    c = held(org.rep_a1)
    ContactFactory(customer=c, phone="13812345678", wechat="wx_zhang", email="zhang@example.com", is_primary=True)
    svc.customer_release(actor=org.rep_a1, customer=c, reason="无意向")
    rows = list(sel.pool_customer_list(user=org.rep_a2))
    assert [r.pk for r in rows] == [c.pk]
    row = rows[0]
    assert row.pool_reason == "无意向" and row.pool_kind == "release" and row.former_owner_id == org.rep_a1.pk
    v = contact_view(row.pool_contacts[0], masked=True)
    assert v.phone == "138****5678" and v.wechat == "w***" and v.email == "z***g@example.com"
    # Not a member: west's rep does not see team_a's pool.
    assert list(sel.pool_customer_list(user=org.rep_c1)) == []
    # The region manager oversees the pools below.
    assert [r.pk for r in sel.pool_customer_list(user=org.rm_east)] == [c.pk]


# --- claim -------------------------------------------------------------------------------------------------


def test_claim_takes_the_customer_and_protects_it_afresh(org):
    c = in_pool(org)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        got = svc.customer_claim(actor=org.rep_a2, customer=c)
        assert got.owner_id == org.rep_a2.pk and got.pool_id is None and got.owner_unit_id == org.team_a.pk
        assert got.received_at == timezone.now()
        assert got.protected_until == dt.date(2026, 3, 2) + dt.timedelta(days=90)
    e = PoolEvent.objects.filter(kind=PoolEventKind.CLAIM).get()
    assert (e.actor_id, e.to_owner_id) == (org.rep_a2.pk, org.rep_a2.pk)
    assert AuditEvent.objects.filter(action="customer.claim", object_id=str(c.pk)).exists()


def test_claim_of_someones_customer_is_refused(org):
    c = held(org.rep_a1)
    with pytest.raises(Conflict) as exc:
        svc.customer_claim(actor=org.rep_a2, customer=c)
    assert exc.value.code == "already_claimed"
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk
    assert not PoolEvent.objects.exists()


def test_claim_from_a_pool_one_does_not_belong_to_is_refused(org):
    c = in_pool(org)
    with pytest.raises(NotFound):
        svc.customer_claim(actor=org.rep_c1, customer=c)
    assert Customer.objects.get(pk=c.pk).owner_id is None


def test_daily_claim_limit_resets_at_midnight_business_time(org):
    customers = [in_pool(org, owner=org.rep_a2) for _ in range(4)]
    pool = pol(PoolPolicy, claims_per_day=2, cooldown_days=0)
    # 23:50 in Shanghai is 15:50 UTC: still 2 March in business time.
    with freeze_time("2026-03-02 15:50:00+00:00"):
        svc.customer_claim(actor=org.rep_a1, customer=customers[0], pool_policy=pool)
        svc.customer_claim(actor=org.rep_a1, customer=customers[1], pool_policy=pool)
        with pytest.raises(LimitExceeded) as exc:
            svc.customer_claim(actor=org.rep_a1, customer=customers[2], pool_policy=pool)
        assert exc.value.code == "claim_limit"
        assert Customer.objects.get(pk=customers[2].pk).owner_id is None
    # 00:05 in Shanghai on 3 March is still 2 March in UTC: the limit has reset.
    with freeze_time("2026-03-02 16:05:00+00:00"):
        assert sel.claim_quota(user=org.rep_a1).claimed_today == 0
        svc.customer_claim(actor=org.rep_a1, customer=customers[2], pool_policy=pool)
    assert PoolEvent.objects.filter(kind=PoolEventKind.CLAIM, actor=org.rep_a1).count() == 3


def test_claim_over_the_holding_cap_is_refused(org):
    held(org.rep_a2)
    c = in_pool(org)
    with pytest.raises(LimitExceeded) as exc:
        svc.customer_claim(actor=org.rep_a2, customer=c, holding_policy=pol(HoldingPolicy, max_customers=1))
    assert exc.value.code == "holding_cap"
    assert Customer.objects.get(pk=c.pk).owner_id is None


def test_holding_cap_from_the_published_policy(org):
    publish(org.admin, "holding", {"max_customers": 1})
    held(org.rep_a2)
    c = in_pool(org)
    with pytest.raises(LimitExceeded):
        svc.customer_claim(actor=org.rep_a2, customer=c)


def test_former_owner_waits_for_the_cooldown(org):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        c = in_pool(org)
        with pytest.raises(LimitExceeded) as exc:
            svc.customer_claim(actor=org.rep_a1, customer=c)
        assert exc.value.code == "cooldown" and "2026-04-01" in str(exc.value.message)
    with freeze_time("2026-04-01 10:00:01+08:00"):
        assert svc.customer_claim(actor=org.rep_a1, customer=c).owner_id == org.rep_a1.pk


def test_claim_needs_the_claim_permission(org):
    c = in_pool(org)
    with pytest.raises(PermissionDenied):
        svc.customer_claim(actor=org.finance, customer=c)
    with pytest.raises(PermissionDenied):
        svc.customer_claim(actor=org.asst_a, customer=c)


# --- assignment -----------------------------------------------------------------------------------------------


def test_manager_assigns_from_the_pool_within_scope(org, monkeypatch):
    sent = []
    monkeypatch.setattr(svc, "notify_later", lambda **kw: sent.append(kw))
    c = in_pool(org)
    with pytest.raises(PermissionDenied):
        svc.customer_assign_from_pool(actor=org.tm_a, customer=c, to=org.rep_c1)
    with pytest.raises(PermissionDenied):
        svc.customer_assign_from_pool(actor=org.rep_a2, customer=c, to=org.rep_a2)
    got = svc.customer_assign_from_pool(actor=org.tm_a, customer=c, to=org.rep_a2, reason="重点跟进")
    assert got.owner_id == org.rep_a2.pk
    e = PoolEvent.objects.get(kind=PoolEventKind.ASSIGN)
    assert (e.actor_id, e.to_owner_id, e.reason) == (org.tm_a.pk, org.rep_a2.pk, "重点跟进")
    assert sent and sent[0]["recipient_ids"] == [org.rep_a2.pk]


# --- the log ----------------------------------------------------------------------------------------------------


def test_pool_events_are_readable_by_the_pool_members(org):
    c = in_pool(org)
    svc.customer_claim(actor=org.rep_a2, customer=c)
    kinds = [e.kind for e in sel.pool_event_list(user=org.rep_a2)]
    assert kinds == [PoolEventKind.CLAIM, PoolEventKind.RELEASE]
    assert list(sel.pool_event_list(user=org.rep_c1)) == []
    assert len(list(sel.pool_event_list(user=org.director))) == 2


# --- permission matrix -------------------------------------------------------------------------------------------

MATRIX = [
    # persona, sees team_a's pool, may claim, may assign
    ("rep_a1", True, True, False),
    ("rep_a2", True, True, False),
    ("rep_b1", False, False, False),  # team_b, east and the company pools: not team_a's
    ("rep_c1", False, False, False),
    ("asst_a", False, False, False),
    ("tm_a", True, True, True),
    ("tm_b", False, False, False),
    ("rm_east", True, True, True),
    ("rm_west", False, False, False),
    ("director", True, True, True),
    ("gm", True, True, True),
    ("finance", False, False, False),
    ("admin", True, True, True),
]


@pytest.mark.parametrize(("persona", "sees", "claims", "assigns"), MATRIX)
def test_pool_permission_matrix(org, persona, sees, claims, assigns):
    c = in_pool(org)
    user = getattr(org, persona)
    pool_id = c.pool_id

    def ok(action):
        ids = svc.pool_ids_for(user, action)
        return ids is None or pool_id in ids

    assert ok("view") is sees
    assert ok("claim") is claims
    assert ok("assign") is assigns
    assert (c.pk in {x.pk for x in sel.pool_customer_list(user=user)}) is sees
