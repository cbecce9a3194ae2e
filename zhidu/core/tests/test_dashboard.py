"""The dashboard: which widgets each persona sees, what their charts count, and a query
count that does not grow with the company."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from zhidu.core import dashboard
from zhidu.core.widgets import changes_per_day, people_by_role_and_unit
from zhidu.org.choices import Role

pytestmark = pytest.mark.django_db


def _chart_option(html: str, data_id: str) -> dict:
    m = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html, re.S)
    assert m, f"no json_script {data_id}"
    return json.loads(m.group(1))


def _units(data: dict) -> list[str]:
    return data["chart"]["yAxis"]["data"]


def _count(data: dict, unit: str, role_label: str) -> int:
    i = _units(data).index(unit)
    series = {s["name"]: s["data"] for s in data["chart"]["series"]}
    return series[role_label][i]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    if _has_login():
        assert response["Location"].startswith(reverse("org:login"))


def _has_login() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("org:login")
        return True
    except NoReverseMatch:
        return False


def test_director_sees_every_unit(org):
    data = people_by_role_and_unit(org.director)
    assert not data["empty"]
    assert _units(data) == ["示范公司", "华东大区", "上海一组", "杭州组", "西南大区", "成都组"]
    assert data["people"] == 13
    assert _count(data, "上海一组", str(Role.REP.label)) == 2
    assert _count(data, "上海一组", str(Role.ASSISTANT.label)) == 1
    assert _count(data, "示范公司", str(Role.GENERAL_MANAGER.label)) == 1


def test_regional_manager_sees_their_subtree(org):
    data = people_by_role_and_unit(org.rm_east)
    assert _units(data) == ["华东大区", "上海一组", "杭州组"]
    assert data["people"] == 1 + 4 + 2


def test_team_manager_sees_their_team(org):
    data = people_by_role_and_unit(org.tm_a)
    assert _units(data) == ["上海一组"]
    assert data["people"] == 4
    assert _count(data, "上海一组", str(Role.REP.label)) == 2


def test_rep_sees_only_their_own_team(org):
    data = people_by_role_and_unit(org.rep_c1)
    assert _units(data) == ["成都组"]
    assert data["people"] == 2


def test_someone_without_a_post_gets_an_empty_state(org):
    from zhidu.org.tests.factories import UserFactory

    loner = UserFactory(username="loner")
    assert people_by_role_and_unit(loner) == {"empty": True}
    assert [w.key for w in dashboard.widgets_for(loner)] == []


def test_changes_per_day_counts_todays_events(org):
    from zhidu.audit.models import AuditEvent

    top_level = AuditEvent.objects.filter(parent__isnull=True).count()
    assert top_level > 0  # building the org wrote audit rows
    data = changes_per_day(org.admin)
    assert data["total"] == top_level
    assert data["today"] == top_level
    assert len(data["chart"]["xAxis"]["data"]) == 14
    assert data["chart"]["series"][0]["data"][-1] == top_level


def test_changes_per_day_empty_state(db):
    assert changes_per_day(None) == {"empty": True}


@pytest.mark.parametrize(
    ("persona", "keys"),
    [
        ("rep_a1", ["org.people_by_role_and_unit"]),
        ("tm_a", ["org.people_by_role_and_unit"]),
        ("director", ["org.people_by_role_and_unit"]),
        ("admin", ["org.people_by_role_and_unit", "audit.changes_per_day"]),
    ],
)
def test_widgets_by_persona(org, persona, keys):
    user = getattr(org, persona)
    shown = [w.key for w in dashboard.widgets_for(user) if w.key.startswith(("org.", "audit."))]
    assert shown == keys


def test_dashboard_page_renders_the_chart_for_a_team_manager(client, org):
    client.force_login(org.tm_a)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chart-people-by-role-data"' in html
    option = _chart_option(html, "chart-people-by-role-data")
    assert option["yAxis"]["data"] == ["上海一组"]
    assert "成都组" not in html
    assert "chart-changes-per-day" not in html  # staff only
    assert "<script>" not in html  # no inline scripts, only src= and json_script


def test_dashboard_for_staff_has_both_charts(client, org):
    client.force_login(org.admin)
    html = client.get(reverse("core:dashboard")).content.decode()
    _chart_option(html, "chart-people-by-role-data")
    _chart_option(html, "chart-changes-per-day-data")


def test_dashboard_empty_state(client, org):
    from zhidu.org.tests.factories import UserFactory

    client.force_login(UserFactory(username="loner"))
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'class="empty' in html
    assert "data-chart=" not in html


def _grow_company(org, extra_teams: int, reps_per_team: int) -> None:
    from zhidu.org.services import org_unit_create, post_assign
    from zhidu.org.tests.factories import UserFactory

    for t in range(extra_teams):
        team = org_unit_create(actor=None, name=f"扩展组{t}", code=f"grow-{t}", parent=org.east)
        for r in range(reps_per_team):
            user = UserFactory(username=f"grow{t}_{r}")
            post_assign(actor=None, user=user, unit=team, role=Role.REP)


@pytest.mark.parametrize("persona", ["admin", "director", "tm_a", "rep_a1"])
def test_dashboard_query_count_does_not_grow(client, org, persona, django_assert_max_num_queries):
    user = getattr(org, persona)
    client.force_login(user)
    client.get(reverse("core:dashboard"))  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("core:dashboard")).status_code == 200
    _grow_company(org, extra_teams=4, reps_per_team=5)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse("core:dashboard")).status_code == 200
    # Measured with every app's widgets (2026-11-26): admin 19, director 24, tm_a 26, rep_a1 23
    # (the core's own widgets, the lead-fairness card and the three customer cards), plus 2
    # for the navigation badges (approvals waiting, follow-ups due).
    assert len(small) <= 28, [q["sql"] for q in small.captured_queries]


def test_units_come_in_tree_order_even_past_ten_ids(org):
    from zhidu.org.services import org_unit_create

    # Enough units that ids reach two digits: "/1/12/" sorts before "/1/2/" as text.
    for i in range(8):
        unit = org_unit_create(actor=None, name=f"空部门{i}", code=f"empty-{i}", parent=org.company)
        unit.delete()  # ids used up, units gone
    late = org_unit_create(actor=None, name="新大区", code="late", parent=org.company)
    from zhidu.org.services import post_assign
    from zhidu.org.tests.factories import UserFactory

    post_assign(actor=None, user=UserFactory(username="late_rm"), unit=late, role=Role.REGIONAL_MANAGER)
    units = _units(people_by_role_and_unit(org.director))
    assert units == ["示范公司", "华东大区", "上海一组", "杭州组", "西南大区", "成都组", "新大区"]
