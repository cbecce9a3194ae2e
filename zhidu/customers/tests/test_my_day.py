"""我的一天 (``customers:my_day``): follow-ups due today or overdue (and not done since),
customers overdue for a follow-up, near recycling and near the end of protection, leads
to work, key dates ahead, development steps due; the page for a phone and its queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from freezegun import freeze_time

from zhidu.customers.models import ActivityType, KeyDate
from zhidu.customers.selectors.activities import my_day
from zhidu.customers.services import activities as svc

from .factories import ContactFactory, LeadFactory
from .pool_support import held, load_urls, publish

pytestmark = pytest.mark.django_db
GOOD = "拜访了采购部王经理，确认了明年的采购计划与预算"
NOW = "2026-03-10 09:00:00+08:00"  # a Tuesday
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _urls_and_english():
    """URLs loaded before freezegun; messages compared in the English source."""
    load_urls()
    with translation.override("en"):
        yield


def _call():
    return ActivityType.objects.get(code="call")


def _log(user, customer, **kw):
    return svc.activity_log(actor=user, customer=customer, type=_call(), content=GOOD, outcome="progressed", **kw)


def test_my_day_gathers_everything_due(org):
    with freeze_time(NOW):
        today = timezone.localdate()
        # A follow-up due today, one overdue, one done since, one for later.
        due_today = held(org.rep_a1, name="今日跟进公司")
        _log(org.rep_a1, due_today, next_step="发报价", next_date=today)
        overdue = held(org.rep_a1, name="逾期跟进公司")
        _log(
            org.rep_a1, overdue, next_step="约拜访", next_date=today, occurred_at=timezone.now() - dt.timedelta(days=2)
        )
        done = held(org.rep_a1, name="已跟进公司")
        _log(org.rep_a1, done, next_date=today, occurred_at=timezone.now() - dt.timedelta(days=2))
        _log(org.rep_a1, done)
        later = held(org.rep_a1, name="以后跟进公司")
        _log(org.rep_a1, later, next_date=today + dt.timedelta(days=3))
        # Someone else's plans do not show.
        _log(org.rep_a2, held(org.rep_a2), next_date=today)
        # Overdue by frequency (tier C: every 30 days).
        stale = held(org.rep_a1, name="久未跟进公司", tier="C", received=timezone.now() - dt.timedelta(days=45))
        # Protection ends within a week.
        ending = held(org.rep_a1, name="保护将到期公司", protected_until=today + dt.timedelta(days=3))
        # A lead to work.
        lead = LeadFactory(owner=org.rep_a1, company="新线索公司")
        LeadFactory(owner=org.rep_a2)
        # Key dates: a birthday in 5 days, an anniversary tomorrow (remind 3 days ahead), one far away.
        contact = ContactFactory(customer=due_today, name="王经理", birthday=dt.date(1980, 3, 15))
        KeyDate.objects.create(contact=contact, label="合作周年", date=dt.date(2020, 3, 11), remind_days_before=3)
        KeyDate.objects.create(contact=contact, label="远期", date=dt.date(2020, 6, 1), remind_days_before=3)
        # A development step due.
        plan = svc.development_plan_create(actor=org.rep_a1, customer=due_today, title="首单")
        step = svc.development_step_add(actor=org.rep_a1, plan=plan, title="技术交流", due_date=today)

        day = my_day(user=org.rep_a1)
    assert [a.customer_id for a in day.due] == [overdue.pk, due_today.pk] or [a.customer_id for a in day.due] == [
        due_today.pk,
        overdue.pk,
    ]
    assert {a.customer_id for a in day.due} == {overdue.pk, due_today.pk}
    assert [o.customer.pk for o in day.overdue] == [stale.pk]
    assert day.overdue[0].days_over == 15 and day.overdue[0].frequency_days == 30
    assert [c.pk for c in day.protection_ending] == [ending.pk]
    assert [x.pk for x in day.leads] == [lead.pk]
    assert [(k.label, k.days) for k in day.key_dates] == [("合作周年", 1), ("birthday", 5)]
    assert [s.pk for s in day.steps] == [step.pk]
    assert not day.empty


def test_near_recycling_shows_the_day_and_the_rule(org):
    with freeze_time("2025-09-26 10:00:00+08:00"):
        publish(org.admin, "pool", {"follow_up_days": {"A": 0, "B": 0, "C": 5, "D": 0}, "warn_days_before": 2})
        c = held(org.rep_a1, tier="C", received=timezone.now())
    with freeze_time("2025-10-09 09:00:00+08:00"):
        day = my_day(user=org.rep_a1)
    assert [(f.customer.pk, f.due) for f in day.near_recycling] == [(c.pk, dt.date(2025, 10, 11))]
    assert "5 working days" in day.near_recycling[0].reason


def test_an_empty_day(org):
    assert my_day(user=org.rep_c1).empty


def test_my_day_page_for_a_phone(org, client, django_assert_max_num_queries):
    today = timezone.localdate()
    for i in range(10):
        c = held(org.rep_a1, tier="C", received=timezone.now() - dt.timedelta(days=40))
        _log(org.rep_a1, c, next_step=f"第{i}步", next_date=today, occurred_at=timezone.now() - dt.timedelta(days=35))
        ContactFactory(customer=c, birthday=today + dt.timedelta(days=2))
        LeadFactory(owner=org.rep_a1)
    client.force_login(org.rep_a1)
    with django_assert_max_num_queries(30):
        r = client.get(reverse("customers:my_day"))
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count("第") >= 10 and 'data-testid="due"' in html and 'data-testid="overdue"' in html
    assert 'data-testid="key-dates"' in html and 'data-testid="leads"' in html
    assert 'name="viewport" content="width=device-width' in html
    assert "<script>" not in html and ' style="' not in html


def test_my_day_needs_a_sign_in_and_a_role(org, client):
    r = client.get(reverse("customers:my_day"))
    assert r.status_code == 302
    from zhidu.org.tests.factories import make_person

    client.force_login(make_person("nobody", "路人"))
    assert client.get(reverse("customers:my_day")).status_code == 403
