"""The customers demo step: deterministic per seed, after the org, and through the
services (credit codes valid, clocks right, pools, leads and a conflict claim)."""

from __future__ import annotations

import pytest
from django.db import transaction

from zhidu.customers import demo as customers_demo
from zhidu.customers.models import Activity, ConflictClaim, Contact, Customer, Lead, PoolEvent
from zhidu.customers.validators import is_valid_credit_code
from zhidu.demo import extensions
from zhidu.demo.services import demo_load
from zhidu.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_this_step(monkeypatch, settings, tmp_path):
    """Just the customers step: other apps' steps have their own tests. Check-in photos go
    to a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    steps = {customers_demo.STEP_NAME: extensions._steps[customers_demo.STEP_NAME]}
    monkeypatch.setattr(extensions, "_steps", steps)


def _check_in(a) -> tuple | None:
    ci = getattr(a, "check_in", None)
    return None if ci is None else (str(ci.latitude), str(ci.longitude), ci.accuracy_m, ci.distance_m, ci.flagged)


def fingerprint() -> dict:
    customers = sorted(
        (
            c.name,
            c.credit_code,
            c.owner.username if c.owner else None,
            c.pool_id is not None,
            c.tier,
            c.status,
            c.province,
            c.contacts.count(),
            sorted(
                (a.type.code, a.is_valid, a.content, _check_in(a)) for a in c.activities.all()
            ),  # with each visit's check-in (签到): position, distance, flag
        )
        for c in Customer.objects.select_related("owner").prefetch_related(
            "activities__type", "activities__check_in", "contacts"
        )
    )
    leads = sorted(
        (lead.company, lead.status, lead.owner.username if lead.owner else None)
        for lead in Lead.objects.select_related("owner")
    )
    return {"customers": customers, "leads": leads}


def _load(seed: int) -> dict:
    with transaction.atomic():
        result = demo_load(size="small", seed=seed)
        fp = fingerprint()
        fp["report"] = dict(result.step_reports)
        transaction.set_rollback(True)
    assert not User.objects.exists()
    return fp


def test_same_seed_same_book(only_this_step):
    first = _load(5)
    assert first == _load(5)
    assert len(first["customers"]) > 100 and first["leads"]


def test_the_book_is_real(only_this_step):
    from zhidu.org.choices import Role

    result = demo_load(size="small", seed=2)
    org = result.org
    reps = {u.pk for u in org.reps}
    held = Customer.objects.filter(owner__isnull=False)
    n_reps = len(reps)
    assert 15 * n_reps <= Customer.objects.count() <= 21 * n_reps + 20
    assert set(held.values_list("owner_id", flat=True)) <= reps  # the step ran after the org
    codes = list(Customer.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    assert len(codes) >= 15 * n_reps and all(is_valid_credit_code(code) for code in codes)
    assert Customer.objects.filter(name__endswith="有限公司").count() == Customer.objects.count()
    # Provinces of the rep's own sales region.
    for c in held.select_related("owner_unit__parent")[:50]:
        assert c.province in c.owner_unit.parent.region_codes
    # Every contact has its role in the decision chain, except those converted from leads.
    assert Contact.objects.filter(decision_role="").count() <= Lead.objects.filter(status="converted").count()
    # Clocks: the last valid follow-up is the latest valid activity, and it extended protection.
    for c in held.filter(last_valid_follow_up_at__isnull=False)[:40]:
        latest = c.activities.filter(is_valid=True).order_by("-occurred_at").first()
        assert latest is not None and c.last_valid_follow_up_at == latest.occurred_at
        assert c.protected_until >= latest.occurred_at.date()
    assert Activity.objects.filter(is_valid=True).exists() and Activity.objects.filter(is_valid=False).exists()
    # Pools, leads, a claim awaiting the regional manager.
    assert Customer.objects.filter(pool__isnull=False).exists()
    assert PoolEvent.objects.filter(kind="release").exclude(reason="").exists()
    assert Lead.objects.filter(status="new", owner__isnull=True).exists()
    assert Lead.objects.filter(status="converted").exists()
    claim = ConflictClaim.objects.get()
    assert claim.status in ("filed", "under_review")
    assert claim.decider.posts.filter(role=Role.REGIONAL_MANAGER).exists()
    report = dict(result.step_reports)[customers_demo.STEP_NAME]
    assert "customers" in report and "skipped" not in report
