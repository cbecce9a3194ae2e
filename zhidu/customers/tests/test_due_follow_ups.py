"""Next steps due (``due_follow_ups``) follow the customer, not the writer: after a transfer
or a handover the receiver sees the previous owner's planned dates and the leaver does not;
a read-write collaborator sees the ones he wrote; one query however many there are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhidu.customers.choices import CollaboratorAccess
from zhidu.customers.models import ActivityType, Collaborator
from zhidu.customers.selectors.activities import due_follow_ups, my_day, overdue_list
from zhidu.customers.services import activities as svc
from zhidu.customers.services import transfers as tsvc

from .factories import LeadFactory
from .pool_support import held

pytestmark = pytest.mark.django_db
GOOD = "拜访了采购部王经理，确认了明年的采购计划与预算"


def _log(user, customer=None, **kw):
    kw.setdefault("occurred_at", timezone.now() - dt.timedelta(days=2))
    return svc.activity_log(
        actor=user,
        customer=customer,
        type=ActivityType.objects.get(code="call"),
        content=GOOD,
        outcome="progressed",
        **kw,
    )


def _due(user):
    return [a.pk for a in due_follow_ups(user=user, today=timezone.localdate())]


def test_after_a_transfer_the_receiver_sees_the_old_next_date_and_the_leaver_does_not(org):
    today = timezone.localdate()
    moved = held(org.rep_a1, name="转走的公司")
    planned = _log(org.rep_a1, moved, next_step="送样品", next_date=today)
    kept = held(org.rep_a1, name="留下的公司")
    still_mine = _log(org.rep_a1, kept, next_step="发报价", next_date=today)
    peer = held(org.rep_b1, name="旁人的公司")
    peers = _log(org.rep_b1, peer, next_date=today)
    assert _due(org.rep_a1) == [planned.pk, still_mine.pk]
    assert _due(org.rep_a2) == []

    tsvc.customer_transfer(actor=org.tm_a, customers=[moved], to_user=org.rep_a2, reason="调整")

    assert _due(org.rep_a2) == [planned.pk]
    assert _due(org.rep_a1) == [still_mine.pk]
    assert _due(org.rep_b1) == [peers.pk]  # a peer is not affected
    day = my_day(user=org.rep_a2)
    assert [(a.pk, a.owner_id, a.next_step) for a in day.due] == [(planned.pk, org.rep_a1.pk, "送样品")]
    # The receiver's own follow-up closes it.
    _log(org.rep_a2, moved, occurred_at=timezone.now())
    assert _due(org.rep_a2) == []


def test_a_handover_moves_leads_next_steps_too(org):
    today = timezone.localdate()
    c = held(org.rep_a1)
    on_customer = _log(org.rep_a1, c, next_date=today - dt.timedelta(days=1))
    lead = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    on_lead = _log(org.rep_a1, None, lead=lead, next_date=today)
    assert set(_due(org.rep_a1)) == {on_customer.pk, on_lead.pk}

    tsvc.customer_handover(actor=org.tm_a, from_user=org.rep_a1, to_user=org.rep_a2, reason="离职")

    assert _due(org.rep_a1) == []
    assert _due(org.rep_a2) == [on_customer.pk, on_lead.pk]


def test_the_overdue_list_follows_the_customer_too(org):
    stale = held(org.rep_a1, tier="C", received=timezone.now() - dt.timedelta(days=45))
    assert [c.pk for c in overdue_list(user=org.rep_a1)] == [stale.pk]
    tsvc.customer_transfer(actor=org.tm_a, customers=[stale], to_user=org.rep_a2, reason="调整")
    # Receiving restarts the clock (tier C: every 30 days); a month on it is the receiver's.
    later = timezone.now() + dt.timedelta(days=31)
    assert [c.pk for c in overdue_list(user=org.rep_a1, now=later)] == []
    assert [c.pk for c in overdue_list(user=org.rep_a2, now=later)] == [stale.pk]
    assert [o.customer.pk for o in my_day(user=org.rep_a2, now=later).overdue] == [stale.pk]
    assert my_day(user=org.rep_a1, now=later).overdue == []


def test_a_read_write_collaborator_sees_what_he_wrote_a_reader_does_not(org):
    today = timezone.localdate()
    c = held(org.rep_a1)
    Collaborator.objects.create(customer=c, user=org.rep_a2, access=CollaboratorAccess.READ_WRITE)
    Collaborator.objects.create(customer=c, user=org.rep_b1, access=CollaboratorAccess.READ)
    owners = _log(org.rep_a1, c, next_date=today, occurred_at=timezone.now() - dt.timedelta(days=3))
    assert _due(org.rep_a2) == []  # the owner's next step is the owner's
    helpers = _log(org.rep_a2, c, next_date=today)
    # The collaborator's later follow-up closes the owner's; both see the open one.
    assert _due(org.rep_a1) == [helpers.pk] and owners.pk not in _due(org.rep_a1)
    assert _due(org.rep_a2) == [helpers.pk]
    assert _due(org.rep_b1) == []
    # Downgraded to read: no longer his to do.
    Collaborator.objects.filter(customer=c, user=org.rep_a2).update(access=CollaboratorAccess.READ)
    assert _due(org.rep_a2) == []


def test_binned_and_pooled_customers_drop_out(org):
    today = timezone.localdate()
    binned = held(org.rep_a1)
    _log(org.rep_a1, binned, next_date=today)
    binned.deleted_at = timezone.now()
    binned.save(update_fields=["deleted_at"])
    assert _due(org.rep_a1) == []


def test_one_query_however_many(org, django_assert_num_queries):
    today = timezone.localdate()
    customers = [held(org.rep_a1 if i % 2 else org.rep_a2) for i in range(8)]
    # On rep_a2's customer 2 rep_a1 writes as a read-write collaborator.
    Collaborator.objects.create(customer=customers[2], user=org.rep_a1, access=CollaboratorAccess.READ_WRITE)
    Collaborator.objects.create(customer=customers[4], user=org.rep_a1, access=CollaboratorAccess.READ_WRITE)
    # On rep_a1's customer 3 rep_a2 writes: rep_a1 owns it, so it is rep_a1's to do.
    Collaborator.objects.create(customer=customers[3], user=org.rep_a2, access=CollaboratorAccess.READ_WRITE)
    for i, c in enumerate(customers):
        _log(org.rep_a1 if i % 3 else org.rep_a2, c, next_step=f"第{i}步", next_date=today)
    with django_assert_num_queries(1):
        rows = due_follow_ups(user=org.rep_a1, today=today)
        seen = [(a.customer.name, a.type.name, a.owner.username, a.next_step) for a in rows]
    assert sorted(s[3] for s in seen) == ["第1步", "第2步", "第3步", "第4步", "第5步", "第7步"]


def test_my_day_badge_in_the_navigation_counts_them(org, client):
    from django.urls import reverse

    from zhidu.customers.selectors.activities import due_follow_ups_count

    today = timezone.localdate()
    c = held(org.rep_a1)
    _log(org.rep_a1, c, next_date=today)
    _log(org.rep_a1, held(org.rep_a1), next_date=today - dt.timedelta(days=1))
    _log(org.rep_a1, held(org.rep_a1), next_date=today + dt.timedelta(days=1))  # not yet
    assert due_follow_ups_count(user=org.rep_a1) == 2
    client.force_login(org.rep_a1)
    html = client.get(reverse("core:dashboard")).content.decode()
    badge = html.split('id="nav-badge-customers-my-day"', 1)[1].split("</a>", 1)[0]
    assert 'data-count="2"' in badge and "hx-get" not in badge  # with the page, no polling
    tsvc.customer_transfer(actor=org.tm_a, customers=[c], to_user=org.rep_a2, reason="调整")
    assert due_follow_ups_count(user=org.rep_a1) == 1 and due_follow_ups_count(user=org.rep_a2) == 1
    client.force_login(org.rep_a2)
    html = client.get(reverse("customers:my_day")).content.decode()
    assert 'data-testid="nav-badge-customers-my-day" data-count="1"' in html


# --- the morning reminder -------------------------------------------------------------------------


def _told(user) -> list[tuple[str, str]]:
    from zhidu.notifications.models import Notification

    return [(n.title, n.body) for n in Notification.objects.filter(recipient=user, event="customers.follow_up_due")]


def test_the_reminder_tells_the_receiver_not_the_leaver(org, django_capture_on_commit_callbacks):
    from django.utils import translation

    from zhidu.customers.jobs.reminders import follow_up_due_remind
    from zhidu.customers.selectors.activities import due_follow_ups_to_remind

    today = timezone.localdate()
    moved = held(org.rep_a1, name="转走的公司")
    _log(org.rep_a1, moved, next_step="送样品", next_date=today)
    kept = held(org.rep_a1, name="留下的公司")
    _log(org.rep_a1, kept, next_step="发报价", next_date=today)
    _log(org.rep_a1, held(org.rep_a1, name="逾期的公司"), next_date=today - dt.timedelta(days=2))  # told on its day
    _log(org.rep_a1, held(org.rep_a1, name="明天的公司"), next_date=today + dt.timedelta(days=1))
    shared = held(org.rep_b1, name="协作的公司")
    Collaborator.objects.create(customer=shared, user=org.rep_a2, access=CollaboratorAccess.READ_WRITE)
    _log(org.rep_a2, shared, next_step="技术交流", next_date=today)
    tsvc.customer_transfer(actor=org.tm_a, customers=[moved], to_user=org.rep_a2, reason="调整")

    # The same rule as "my day", for everyone at once.
    plan = due_follow_ups_to_remind(today=today)
    for person in (org.rep_a1, org.rep_a2, org.rep_b1, org.tm_a):
        mine = {a.pk for a in due_follow_ups(user=person, today=today) if a.next_date == today}
        assert {a.pk for a in plan.get(person.pk, [])} == mine, person

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        result = follow_up_due_remind(slot=timezone.now())
    assert result == {"rows": 4, "people": 3}
    assert _told(org.rep_a1) == [("1 follow-up due today", "留下的公司: 发报价")]
    title, body = _told(org.rep_a2)[0]
    assert title == "2 follow-ups due today" and set(body.split("\n")) == {"转走的公司: 送样品", "协作的公司: 技术交流"}
    assert _told(org.rep_b1) == [("1 follow-up due today", "协作的公司: 技术交流")]
    assert _told(org.tm_a) == []


def test_the_reminder_job_is_registered_for_the_morning():
    from zhidu.jobs.registry import find_job

    job = find_job("customers.follow_up_due_remind")
    assert job is not None and job.cron == "0 8 * * *"


def test_the_reminder_runs_in_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    from zhidu.customers.selectors.activities import due_follow_ups_to_remind

    today = timezone.localdate()
    for i in range(6):
        c = held(org.rep_a1 if i % 2 else org.rep_a2)
        _log(c.owner, c, next_date=today)
    with django_assert_max_num_queries(2):
        plan = due_follow_ups_to_remind(today=today)
        names = [a.customer.name for items in plan.values() for a in items]
    assert len(names) == 6 and set(plan) == {org.rep_a1.pk, org.rep_a2.pk}
