"""The customer dashboard cards: what each persona's charts count, empty states, and a
query count that does not grow with the number of customers and follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhidu.core import dashboard
from zhidu.customers import widgets
from zhidu.customers.models import Activity, ActivityType, Customer
from zhidu.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

KEYS = ["customers.by_status", "customers.new_per_week", "customers.follow_ups_this_week"]


def _status_counts(data: dict) -> dict[str, int]:
    return {r["status"]: r["n"] for r in data["rows"]}


def _book(org, n: int = 1) -> None:
    """rep_a1: n prospects and one active; rep_a2: one prospect; rep_b1 one lost; one in a pool."""
    for _i in range(n):
        CustomerFactory(owner=org.rep_a1, status="prospect")
    CustomerFactory(owner=org.rep_a1, status="active")
    CustomerFactory(owner=org.rep_a2, status="prospect")
    CustomerFactory(owner=org.rep_b1, status="lost")


def _follow_up(owner, customer, *, valid: bool, when: dt.datetime) -> Activity:
    return Activity.objects.create(
        owner=owner,
        owner_unit=customer.owner_unit,
        customer=customer,
        type=ActivityType.objects.get(code="call"),
        occurred_at=when,
        content="电话沟通了今年的采购计划，约定下周发送报价",
        is_valid=valid,
    )


def test_registered_for_the_sales_personas(org):
    for persona in ("rep_a1", "tm_a", "director"):
        shown = [w.key for w in dashboard.widgets_for(getattr(org, persona))]
        assert set(KEYS) <= set(shown), persona


def test_by_status_is_scoped(org):
    _book(org, n=2)
    rep = widgets.customers_by_status(org.rep_a1)
    assert rep["total"] == 3 and _status_counts(rep) == {"prospect": 2, "active": 1, "dormant": 0, "lost": 0}
    manager = widgets.customers_by_status(org.tm_a)
    assert manager["total"] == 4 and _status_counts(manager)["prospect"] == 3
    director = widgets.customers_by_status(org.director)
    assert director["total"] == 5 and _status_counts(director)["lost"] == 1
    assert widgets.customers_by_status(org.rep_c1) == {"empty": True}
    labels = [d["name"] for d in director["chart"]["series"][0]["data"]]
    assert len(labels) == 4


def test_by_status_leaves_out_the_pool_and_the_recycle_bin(org):
    c = CustomerFactory(owner=org.rep_a1)
    Customer.objects.filter(pk=c.pk).update(deleted_at=timezone.now())
    assert widgets.customers_by_status(org.rep_a1) == {"empty": True}


def test_new_per_week_counts_by_monday_weeks(org):
    today = dt.date(2026, 11, 26)  # a Thursday
    for days_ago in (0, 3, 4, 20, 60):  # this week ×2 (Thu, Mon), last week, 3 weeks ago, too old
        c = CustomerFactory(owner=org.rep_a1)
        at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10)))
        Customer.objects.filter(pk=c.pk).update(created_at=at)
    data = widgets.new_customers_per_week(org.rep_a1, today=today)
    values = data["chart"]["series"][0]["data"]
    assert len(values) == 8
    assert values[-1] == 2 and values[-2] == 1 and values[-4] == 1 and sum(values) == 4
    assert data["this_week"] == 2 and data["total"] == 4
    assert widgets.new_customers_per_week(org.rep_a2, today=today) == {"empty": True}


def test_follow_ups_this_week_valid_and_not(org):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    mine = CustomerFactory(owner=org.rep_a1)
    theirs = CustomerFactory(owner=org.rep_b1)
    at = timezone.make_aware(dt.datetime.combine(monday, dt.time(10)))
    _follow_up(org.rep_a1, mine, valid=True, when=at)
    _follow_up(org.rep_a1, mine, valid=True, when=at)
    _follow_up(org.rep_a1, mine, valid=False, when=at)
    _follow_up(org.rep_a1, mine, valid=True, when=at - dt.timedelta(days=7))  # last week
    _follow_up(org.rep_b1, theirs, valid=True, when=at)
    data = widgets.follow_ups_this_week(org.rep_a1)
    assert (data["valid"], data["not_valid"], data["share"]) == (2, 1, 67)
    valid, not_valid = data["chart"]["series"]
    assert valid["data"][0] == 2 and not_valid["data"][0] == 1 and len(valid["data"]) == 7
    assert widgets.follow_ups_this_week(org.director)["valid"] == 3
    assert widgets.follow_ups_this_week(org.rep_c1) == {"empty": True}


def test_dashboard_renders_the_cards_and_empty_states(client, org):
    _book(org)
    client.force_login(org.rep_a1)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'data-chart="chart-customers-by-status-data"' in html
    assert 'data-chart="chart-customers-new-per-week-data"' in html
    assert 'id="widget-customers-follow-ups-this-week"' in html
    assert "chart-customers-follow-ups-week" not in html  # nothing this week: the empty state
    assert "<script>" not in html


@pytest.mark.parametrize("persona", ["rep_a1", "tm_a", "director"])
def test_query_count_does_not_grow_with_the_book(org, persona, django_assert_max_num_queries):
    user = getattr(org, persona)
    _book(org)
    when = timezone.now() - dt.timedelta(minutes=5)
    _follow_up(org.rep_a1, Customer.objects.filter(owner=org.rep_a1).first(), valid=True, when=when)
    fns = (widgets.customers_by_status, widgets.new_customers_per_week, widgets.follow_ups_this_week)
    for fn in fns:
        fn(user)  # warm the per-request caches a dashboard shares
    with CaptureQueriesContext(connection) as small:
        for fn in fns:
            fn(user)
    for _i in range(30):
        c = CustomerFactory(owner=org.rep_a1)
        _follow_up(org.rep_a1, c, valid=False, when=when)
    CustomerFactory.create_batch(10, owner=org.rep_b1)
    with django_assert_max_num_queries(len(small)):
        for fn in fns:
            fn(user)
    assert len(small) <= 3 * 4, [q["sql"] for q in small.captured_queries]
