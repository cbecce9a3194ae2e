"""Fairness (000 §1.3 公平、公正、公开): the Gini coefficient computed exactly, the report's
figures per person for a week or month (business dates), later conversion, who may read
which unit's report, the page with its chart, the dashboard card and the snapshot job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from zhidu.core.errors import NotFound, PermissionDenied
from zhidu.customers.choices import AllocationMethod, LeadStatus
from zhidu.customers.models import Allocation, FairnessSnapshot, Lead
from zhidu.customers.selectors import leads as sel
from zhidu.customers.services import allocation as svc

from .lead_support import at, unassigned

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 11)


def test_gini_is_exact_on_known_distributions():
    assert sel.gini([1, 2, 3, 4]) == Fraction(1, 4)
    assert sel.gini([0, 0, 0, 1]) == Fraction(3, 4)  # one of four got everything: (n − 1) / n
    assert sel.gini([5, 5, 5]) == 0
    assert sel.gini([Fraction(3, 5), Fraction(2, 5)]) == Fraction(1, 10)
    assert sel.gini([]) is None and sel.gini([0, 0]) is None


def allocate(lead, user, when, method=AllocationMethod.AUTO):
    a = Allocation.objects.create(
        lead=lead, assignee=user, assignee_unit=user.posts.get().unit, method=method, at=when, inputs={}
    )
    Lead.objects.filter(pk=lead.pk).update(owner=user, owner_unit=a.assignee_unit, allocation=a)
    return a


@pytest.fixture
def may(org):
    """team_a in May 2026: rep_a1 (capacity 10) got 6 leads, rep_a2 (capacity 5) got 2;
    one of rep_a1's was converted; one allocation falls just outside the month each side."""
    org.rep_a2.capacity = 5
    org.rep_a2.save(update_fields=["capacity"])
    leads = [unassigned(org.team_a) for _ in range(10)]
    for i in range(6):
        allocate(leads[i], org.rep_a1, at(MAY, 9 + i))
    allocate(leads[6], org.rep_a2, at(dt.date(2026, 5, 1), 0, 0))  # the first minute of May (Shanghai)
    allocate(leads[7], org.rep_a2, at(MAY, 15), AllocationMethod.MANUAL)
    allocate(leads[8], org.rep_a2, at(dt.date(2026, 4, 30), 23, 59))  # April
    allocate(leads[9], org.rep_a1, at(dt.date(2026, 6, 1), 0, 0))  # June
    Lead.objects.filter(pk=leads[0].pk).update(status=LeadStatus.CONVERTED)
    return org


def test_report_figures_for_a_month(may):
    org = may
    r = sel.fairness_report(unit=org.team_a, period=sel.period_of("month", MAY))
    assert (r.period.start, r.period.end) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert (r.total_received, r.total_capacity, r.total_converted) == (8, 15, 1)
    assert r.by_method == {"auto": 7, "manual": 1}
    rows = {x.name: x for x in r.rows}
    a1, a2 = rows["吴一"], rows["郑二"]
    assert (a1.received, a1.capacity, a1.share, a1.expected, a1.deviation) == (
        6,
        10,
        Decimal("0.6667"),
        Decimal("5.33"),
        Decimal("0.67"),
    )
    assert (a2.received, a2.expected, a2.deviation, a2.per_capacity) == (
        2,
        Decimal("2.67"),
        Decimal("-0.67"),
        Decimal("0.4000"),
    )
    assert (a1.converted, a1.conversion_rate, a2.conversion_rate) == (1, Decimal("0.1667"), Decimal("0"))
    assert r.gini == Decimal("0.1000")  # received ÷ capacity: 0.6 and 0.4
    assert r.conversion_rate == Decimal("0.1250")
    # The region above sees the same people; a week holds only that week's leads.
    assert sel.fairness_report(unit=org.east, period=sel.period_of("month", MAY)).total_received == 8
    week = sel.fairness_report(unit=org.team_a, period=sel.period_of("week", MAY))
    assert (week.period.start, week.period.end, week.total_received) == (MAY, MAY + dt.timedelta(days=6), 7)
    chart = r.chart()
    assert chart["xAxis"]["data"] == ["吴一", "郑二"] and chart["series"][0]["data"] == [6, 2]


def test_people_without_leads_count_with_their_capacity(org):
    r = sel.fairness_report(unit=org.team_a, period=sel.period_of("month", MAY))
    assert {x.name: x.received for x in r.rows} == {"吴一": 0, "郑二": 0}
    assert r.gini is None and r.total_capacity == 20


@pytest.mark.parametrize(
    "persona, units",
    [
        ("rep_a1", ["team_a"]),
        ("asst_a", ["team_a"]),
        ("tm_a", ["team_a"]),
        ("rep_c1", ["team_c"]),
        ("rm_east", ["east", "team_a", "team_b"]),
        ("director", ["company", "east", "team_a", "team_b", "west", "team_c"]),
        ("admin", ["company", "east", "team_a", "team_b", "west", "team_c"]),
        ("finance", []),
    ],
)
def test_who_reads_which_report(org, persona, units):
    user = getattr(org, persona)
    assert [u.pk for u in sel.fairness_units_for(user)] == [getattr(org, u).pk for u in units]


def test_asking_for_another_teams_report(org):
    assert sel.fairness_unit_get(user=org.rep_a1, unit_id=None) == org.team_a
    with pytest.raises(PermissionDenied):
        sel.fairness_unit_get(user=org.rep_a1, unit_id=org.team_b.pk)
    with pytest.raises(NotFound):
        sel.fairness_unit_get(user=org.rep_a1, unit_id=999999)
    with pytest.raises(PermissionDenied):
        sel.fairness_unit_get(user=org.finance, unit_id=None)


def test_the_page_shows_the_team_its_chart_and_refuses_others(may, client, django_assert_max_num_queries):
    org = may
    client.force_login(org.rep_a2)
    url = reverse("customers:fairness_report")
    client.get(url, {"date": "2026-05-11"})
    with django_assert_max_num_queries(20):
        r = client.get(url, {"date": "2026-05-11"})
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-chart="chart-lead-fairness-data"' in body and 'id="chart-lead-fairness-data"' in body
    assert "吴一" in body and "0.1000" in body
    assert "<script>" not in body  # the chart's data travels in json_script, no inline code
    assert client.get(url, {"unit": org.team_b.pk}).status_code == 403
    partial = client.get(url, {"date": "2026-05-11", "period": "week"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "2026-05-11 – 2026-05-17" in partial
    client.force_login(org.finance)
    assert client.get(url).status_code == 403


def test_the_dashboard_card(may, monkeypatch):
    from freezegun import freeze_time

    from zhidu.core.dashboard import registered

    assert "customers.lead_fairness" in [w.key for w in registered()]
    with freeze_time(at(MAY, 20)):
        data = sel.fairness_widget_data(may.rep_a1)
        assert data["empty"] is False and data["unit"] == may.team_a and data["report"].total_received == 8
        assert sel.fairness_widget_data(may.rep_c1)["empty"] is True
    assert sel.fairness_widget_data(may.finance) == {"empty": True}


def test_the_snapshot_job_records_closed_periods_once(may):
    n = svc.fairness_snapshot_closed(now=at(dt.date(2026, 6, 2), 1, 30))
    snaps = FairnessSnapshot.objects.order_by("unit__path", "period_start")
    month = snaps.get(unit=may.team_a, period_start=dt.date(2026, 5, 1))
    assert month.period_end == dt.date(2026, 5, 31) and month.gini == Decimal("0.1000")
    assert {r["name"]: r["received"] for r in month.rows} == {"吴一": 6, "郑二": 2}
    assert snaps.filter(period_start=dt.date(2026, 5, 1)).count() == 3  # team_a, east, company
    assert svc.fairness_snapshot_closed(now=at(dt.date(2026, 6, 2), 1, 30)) == n
    assert FairnessSnapshot.objects.count() == snaps.count()
