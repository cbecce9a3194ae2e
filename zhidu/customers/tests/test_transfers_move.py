"""A person moves unit (a new main post): the ``transfer`` policy says whether their
customers follow them (owner_unit re-stamped in one audited UPDATE) or stay with the unit
they leave (its head, else its pool). Triggered by ``zhidu.org.services.post_assign``
through ``register_post_change_hook``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from zhidu.audit.models import AuditEvent
from zhidu.customers.models import Customer, Lead, Transfer
from zhidu.customers.policies.customers import HoldingPolicy
from zhidu.customers.services import unit_moves as svc
from zhidu.org.choices import Role
from zhidu.org.services import post_assign, register_post_change_hook

from .factories import CustomerFactory, LeadFactory
from .pool_support import load_urls, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    load_urls()
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def move(org, user, unit, role=Role.REP):
    return post_assign(actor=org.admin, user=user, unit=unit, role=role, valid_from=timezone.localdate())


def test_the_hook_is_registered_once_and_called_by_post_assign(org):
    from zhidu.org import services as org_services

    calls = []

    def hook(**kw):
        calls.append(kw)

    register_post_change_hook(hook)
    register_post_change_hook(hook)
    try:
        assert org_services._post_change_hooks.count(hook) == 1
        move(org, org.rep_a1, org.team_b)
        assert len(calls) == 1
        assert calls[0]["user"] == org.rep_a1 and calls[0]["old_unit"] == org.team_a
        assert calls[0]["new_unit"] == org.team_b and calls[0]["actor"] == org.admin
        # An additional post (not main), or a main post in the same unit, is no move.
        post_assign(actor=org.admin, user=org.rep_a2, unit=org.team_b, role=Role.REP, is_main=False)
        assert len(calls) == 1
    finally:
        org_services._post_change_hooks.remove(hook)


def test_customers_follow_by_default(org):
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(3)]
    other = CustomerFactory(owner=org.rep_a2)
    lead = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    move(org, org.rep_a1, org.team_b)
    for c in cs:
        c.refresh_from_db()
        assert (c.owner_id, c.owner_unit_id) == (org.rep_a1.pk, org.team_b.pk)
    assert Customer.objects.get(pk=other.pk).owner_unit_id == org.team_a.pk
    assert Lead.objects.get(pk=lead.pk).owner_unit_id == org.team_b.pk
    t = Transfer.objects.get()
    assert t.options["unit_move"] == "follow" and t.succeeded == 4
    parent = AuditEvent.objects.get(action="customer.follow_owner", parent__isnull=True)
    assert AuditEvent.objects.filter(parent=parent, object_type="customers.customer").count() == 3
    assert AuditEvent.objects.filter(parent=parent, object_type="customers.lead").count() == 1


def test_customers_stay_with_the_unit_head(org):
    publish(org.admin, "transfer", {"on_unit_move": "stay"})
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(2)]
    credit = cs[0].credit_to_id
    move(org, org.rep_a1, org.team_c)
    for c in cs:
        c.refresh_from_db()
        assert (c.owner_id, c.owner_unit_id) == (org.tm_a.pk, org.team_a.pk)
        assert c.credit_to_id == credit
    assert Transfer.objects.get().to_user_id == org.tm_a.pk


def test_over_the_heads_cap_the_rest_goes_to_the_pool(org):
    publish(org.admin, "transfer", {"on_unit_move": "stay"})
    publish(org.admin, "holding", {"max_customers": 1})
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(3)]
    move(org, org.rep_a1, org.team_c)
    got = [Customer.objects.get(pk=c.pk) for c in cs]
    assert [c.owner_id for c in got] == [org.tm_a.pk, None, None]
    assert got[1].pool.unit_id == org.team_a.pk
    assert HoldingPolicy  # the cap came from the published holding policy


def test_customers_stay_in_the_pool_by_policy(org):
    publish(org.admin, "transfer", {"on_unit_move": "stay", "stay_with": "pool"})
    c = CustomerFactory(owner=org.rep_a1, protected_until=timezone.localdate() + dt.timedelta(days=10))
    move(org, org.rep_a1, org.team_c)
    c.refresh_from_db()
    assert c.owner_id is None and c.pool.unit_id == org.team_a.pk and c.protected_until is None


def test_a_failing_hook_rolls_the_move_back(org, monkeypatch):
    from zhidu.core.errors import Conflict
    from zhidu.org.models import Post

    def boom(**kw):
        raise Conflict("no")

    monkeypatch.setattr(svc, "customers_follow_owner_move", boom)
    CustomerFactory(owner=org.rep_a1)
    with pytest.raises(Conflict):
        move(org, org.rep_a1, org.team_b)
    assert not Post.objects.filter(user=org.rep_a1, unit=org.team_b).exists()
