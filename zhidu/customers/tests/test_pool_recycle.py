"""Recycling (回收) by the scheduled job: working-day clocks that pause over 国庆节 and
count the make-up workdays, protected-until, locks, paying customers, one warning per
clock, batches with one audit event each, idempotence, the dry run and the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from freezegun import freeze_time

from zhidu.audit.models import AuditEvent
from zhidu.customers.choices import PoolEventKind
from zhidu.customers.jobs.pool import pool_recycle, pool_recycle_warn
from zhidu.customers.models import ActivityType, Customer, PoolEvent
from zhidu.customers.policies.pool import (
    add_workdays,
    idle_cutoff,
    is_workday,
    nth_workday_before,
    recycle_due_date,
    workdays_between,
)
from zhidu.customers.services import activities as act_svc
from zhidu.customers.services import pool as svc

from .pool_support import Sent, held, load_urls, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls_and_english():
    """URLs loaded before freezegun; messages compared in the English source."""
    load_urls()
    with translation.override("en"):
        yield


SH = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2025, 9, 26, 10, 0, tzinfo=SH)  # a Friday before 国庆节 2025
OFF = {"A": 0, "B": 0, "C": 0, "D": 0}


def at(day: int, month: int = 10, hour: int = 2) -> str:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=SH).isoformat()


@pytest.fixture
def sent(monkeypatch):
    s = Sent()
    monkeypatch.setattr(svc, "notify_later", s)
    return s


@pytest.fixture
def policy(org):
    """Tier C: recycled after 5 working days without a valid follow-up; warned 2 before."""
    with freeze_time(RECEIVED):
        return publish(
            org.admin,
            "pool",
            {"follow_up_days": {**OFF, "C": 5}, "deal_days": OFF, "warn_days_before": 2, "batch_size": 10},
        )


def idle(org, tier="C", **kw):
    with freeze_time(RECEIVED):
        return held(org.rep_a1, received=RECEIVED, tier=tier, **kw)


# --- the calendar -----------------------------------------------------------------------------------------


def test_the_calendar_knows_national_day_and_the_make_up_workdays():
    assert not is_workday(dt.date(2025, 10, 1)) and not is_workday(dt.date(2025, 10, 8))
    assert is_workday(dt.date(2025, 9, 28)) and is_workday(dt.date(2025, 10, 11))  # Sunday and Saturday worked
    assert is_workday(dt.date(2099, 1, 5)) and not is_workday(dt.date(2099, 1, 4))  # beyond the package: Mon–Fri
    assert workdays_between(dt.date(2025, 9, 26), dt.date(2025, 10, 10)) == 4
    assert workdays_between(dt.date(2025, 9, 26), dt.date(2025, 10, 10), holidays_pause=False) == 13
    assert add_workdays(dt.date(2025, 9, 26), 5) == dt.date(2025, 10, 10)
    assert recycle_due_date(dt.date(2025, 9, 26), 5) == dt.date(2025, 10, 11)
    assert nth_workday_before(dt.date(2025, 10, 11), 5) == dt.date(2025, 9, 28)
    assert idle_cutoff(dt.date(2025, 10, 11), 0) is None


# --- recycling -----------------------------------------------------------------------------------------------


def test_holidays_pause_the_clock_over_national_day(org, policy, sent):
    c = idle(org)
    for day in (2, 9, 10):  # 3, 4 and 4 working days have passed
        with freeze_time(at(day)):
            assert svc.pool_recycle_run().count == 0, day
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk
    with freeze_time(at(11)):
        report = svc.pool_recycle_run()
    assert [r.customer_id for r in report.recycled] == [c.pk]
    c.refresh_from_db()
    assert c.owner_id is None and c.pool.unit_id == org.team_a.pk and c.owner_unit_id == org.team_a.pk
    e = PoolEvent.objects.get(kind=PoolEventKind.RECYCLE)
    assert e.actor_id is None and e.from_owner_id == org.rep_a1.pk
    assert e.policy_version_id == policy.pk and e.policy_ref.startswith("pool v")
    assert "5 working days" in e.reason
    assert sent.to(org.rep_a1)[0]["event"] == svc.EVENT_RECYCLED


def test_without_the_holiday_pause_calendar_days_count(org, sent):
    with freeze_time(RECEIVED):
        publish(org.admin, "pool", {"follow_up_days": {**OFF, "C": 5}, "deal_days": OFF, "holidays_pause": False})
    c = idle(org)
    with freeze_time(at(1)):
        assert svc.pool_recycle_run().count == 0
    with freeze_time(at(2)):
        assert [r.customer_id for r in svc.pool_recycle_run().recycled] == [c.pk]


def test_never_before_protected_until(org, policy, sent):
    c = idle(org, protected_until=dt.date(2025, 10, 11))
    with freeze_time(at(11)):
        assert svc.pool_recycle_run().count == 0
    with freeze_time(at(12)):
        assert svc.pool_recycle_run().count == 1
    assert Customer.objects.get(pk=c.pk).pool_id is not None


def test_never_while_locked(org, policy, sent):
    c = idle(org, locked_until=dt.date(2025, 10, 20))
    with freeze_time(at(11)):
        assert svc.pool_recycle_run().count == 0
    with freeze_time(at(21)):
        assert svc.pool_recycle_run().count == 1
    assert Customer.objects.get(pk=c.pk).owner_id is None


def test_never_while_a_paying_customer(org, policy, sent):
    idle(org, last_deal_at=dt.datetime(2025, 6, 1, tzinfo=SH))
    with freeze_time(at(11)):
        assert svc.pool_recycle_run().count == 0


def test_a_valid_follow_up_restarts_the_clock(org, policy, sent):
    c = idle(org)
    call = ActivityType.objects.get(code="call")
    with freeze_time(at(9, hour=15)):
        a = act_svc.activity_log(
            actor=org.rep_a1, customer=c, type=call, content="电话沟通了新年采购计划和预算安排", outcome="progressed"
        )
        assert a.is_valid
    with freeze_time(at(11)):
        assert svc.pool_recycle_run().count == 0


def test_no_deal_within_m_working_days(org, sent):
    with freeze_time(RECEIVED):
        publish(org.admin, "pool", {"follow_up_days": OFF, "deal_days": {**OFF, "C": 5}})
    c = idle(org, last_valid_follow_up_at=dt.datetime(2025, 10, 10, 9, tzinfo=SH))
    with freeze_time(at(11)):
        report = svc.pool_recycle_run()
    assert [r.customer_id for r in report.recycled] == [c.pk]
    assert "No deal" in report.recycled[0].reason


def test_the_job_is_idempotent_and_batched(org, policy, sent):
    customers = [idle(org) for _ in range(25)]
    idle(org, tier="A")  # tier A has no rule
    with freeze_time(at(11)):
        first = pool_recycle(slot=timezone.now())
        second = pool_recycle(slot=timezone.now())
    assert first == {"rows": 25, "batches": 3}
    assert second == {"rows": 0, "batches": 0}
    assert PoolEvent.objects.filter(kind=PoolEventKind.RECYCLE).count() == 25
    parents = AuditEvent.objects.filter(action="customer.recycle", parent__isnull=True)
    assert parents.count() == 3
    assert AuditEvent.objects.filter(action="customer.recycle", parent__in=parents).count() == 25
    assert Customer.objects.filter(pk__in=[c.pk for c in customers], owner__isnull=True).count() == 25
    # One notice per batch to the former owner, naming the customers.
    assert len(sent.to(org.rep_a1)) == 3


def test_dry_run_changes_nothing(org, policy, sent):
    c = idle(org)
    with freeze_time(at(11)):
        report = svc.pool_recycle_run(dry_run=True)
        out = StringIO()
        call_command("recycle", "--dry-run", "--warn", stdout=out)
    assert [r.customer_id for r in report.recycled] == [c.pk]
    assert f"would recycle\t{c.pk}" in out.getvalue()
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk
    assert not PoolEvent.objects.exists() and not sent.calls


def test_the_command_recycles(org, policy, sent):
    idle(org)
    with freeze_time(at(11)):
        out = StringIO()
        call_command("recycle", stdout=out)
    assert "recycled 1 customer(s) in 1 batch(es)" in out.getvalue()


# --- warnings ---------------------------------------------------------------------------------------------------


def test_the_owner_is_warned_once(org, policy, sent):
    c = idle(org)
    with freeze_time(at(30, month=9, hour=8)):  # 2 working days passed (28 and 29 September): not yet
        assert svc.pool_recycle_warn() == []
    with freeze_time(at(2, hour=8)):  # 3 passed (28–30 September), 2 left (9 and 10 October)
        rows = pool_recycle_warn(slot=timezone.now())
    assert rows == {"rows": 1}
    warned = sent.to(org.rep_a1)
    assert len(warned) == 1 and warned[0]["event"] == svc.EVENT_RECYCLE_WARNING
    assert "2025-10-11" in warned[0]["body"]
    c.refresh_from_db()
    assert c.recycle_warned_at is not None
    with freeze_time(at(9, hour=8)):
        assert svc.pool_recycle_warn() == []
    assert len(sent.to(org.rep_a1)) == 1


def test_a_valid_follow_up_rearms_the_warning(org, policy, sent):
    with freeze_time(RECEIVED):  # follow-ups do not extend protection here
        publish(org.admin, "protection", {"follow_up_extends_days": 0})
    c = idle(org)
    with freeze_time(at(2, hour=8)):
        assert len(svc.pool_recycle_warn()) == 1
    call = ActivityType.objects.get(code="call")
    with freeze_time(at(9, hour=10)):
        act_svc.activity_log(
            actor=org.rep_a1,
            customer=c,
            type=call,
            content="回访客户，确认了十月份的采购需求和交付时间",
            outcome="maintained",
        )
    assert Customer.objects.get(pk=c.pk).recycle_warned_at is None
    with freeze_time(at(13, hour=8)):  # 2 working days since (10 and the make-up 11 October)
        assert svc.pool_recycle_warn() == []
    with freeze_time(at(14, hour=8)):  # 3 since (10, 11, 13 October): 2 left
        assert [r.customer_id for r in svc.pool_recycle_warn()] == [c.pk]


def test_warnings_respect_protection_and_locks(org, policy, sent):
    idle(org, protected_until=dt.date(2025, 10, 30))
    idle(org, locked_until=dt.date(2025, 10, 30))
    with freeze_time(at(9, hour=8)):
        assert svc.pool_recycle_warn() == []


def test_a_units_own_policy_rules_its_customers(org, sent):
    """team_b recycles after 5 working days; the company's (default) rule does not yet."""
    with freeze_time(RECEIVED):
        version = publish(org.admin, "pool", {"follow_up_days": {**OFF, "C": 5}, "deal_days": OFF}, unit=org.team_b)
    a = idle(org)
    with freeze_time(RECEIVED):
        b = held(org.rep_b1, received=RECEIVED, tier="C")
    with freeze_time(at(11)):
        report = svc.pool_recycle_run()
    assert [r.customer_id for r in report.recycled] == [b.pk]
    assert Customer.objects.get(pk=a.pk).owner_id == org.rep_a1.pk
    e = PoolEvent.objects.get()
    assert e.policy_version_id == version.pk and e.pool.unit_id == org.team_b.pk
