import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from zhidu.audit.models import AccessLog, AuditEvent
from zhidu.audit.services import access_log, audit_record, audit_record_bulk
from zhidu.core.context import request_id_var


@pytest.fixture
def admin(org):
    c = Client()
    c.force_login(org.admin)
    return c


@pytest.fixture
def events(org):
    token = request_id_var.set("req-abc")
    try:
        a = audit_record(
            actor=org.tm_a,
            action="customer.update",
            object_type="customers.customer",
            object_id=7,
            object_repr="上海某公司",
            changes={"name": ["旧名", "新名"], "phone": ["13812345678", "13987654321"]},
        )
    finally:
        request_id_var.reset(token)
    b = audit_record(actor=org.admin, action="org_unit.create", obj=org.team_c, after={"name": "成都组"})
    return a, b


def _items(r):
    return list(r.context["page"].items)


def test_list_filters(admin, org, events, django_assert_max_num_queries):
    a, b = events
    with django_assert_max_num_queries(12):
        r = admin.get("/audit/")
    assert r.status_code == 200
    assert {a.pk, b.pk} <= {e.pk for e in _items(r)}
    assert [e.pk for e in _items(admin.get("/audit/", {"actor": org.tm_a.pk}))] == [a.pk]
    assert [e.pk for e in _items(admin.get("/audit/", {"action": "customer."}))] == [a.pk]
    assert [e.pk for e in _items(admin.get("/audit/", {"object_type": "customers.customer", "object_id": "7"}))] == [
        a.pk
    ]
    assert [e.pk for e in _items(admin.get("/audit/", {"request_id": "req-abc"}))] == [a.pk]
    today = timezone.localdate()
    assert a.pk in {e.pk for e in _items(admin.get("/audit/", {"date_from": today, "date_to": today}))}
    assert _items(admin.get("/audit/", {"date_to": today - dt.timedelta(days=1)})) == []


def test_date_filter_uses_the_business_time_zone(admin, org):
    # 23:30 on 1 March in Shanghai is 15:30 UTC: it belongs to 1 March, not 2 March.
    with freeze_time("2026-03-01 15:30:00"):
        ev = audit_record(actor=org.admin, action="late.night", object_type="t", object_id=1)
    assert [
        e.pk
        for e in _items(admin.get("/audit/", {"action": "late.", "date_from": "2026-03-01", "date_to": "2026-03-01"}))
    ] == [ev.pk]
    assert _items(admin.get("/audit/", {"action": "late.", "date_from": "2026-03-02"})) == []


def test_list_pagination_and_query_count_do_not_grow(admin, org, django_assert_max_num_queries):
    audit_record_bulk(
        actor=org.admin,
        action="thing.bulk",
        object_type="t",
        items=[(i, f"row {i}", {"x": [i, i + 1]}) for i in range(120)],
    )
    with django_assert_max_num_queries(12):
        r = admin.get("/audit/")
    assert len(_items(r)) == 50 and r.context["page"].has_next
    r = admin.get("/audit/", {"page": 3})
    assert r.context["page"].number == 3


def test_bad_filter_is_explained_not_crashed(admin, org, events):
    r = admin.get("/audit/", {"date_from": "soon", "actor": "x"})
    assert r.status_code == 200 and r.context["filter_error"]


def test_htmx_list_returns_the_table_only(admin, org, events):
    html = admin.get("/audit/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="event-table"' in html and "<html" not in html


def test_detail_shows_before_and_after(admin, org, events):
    a, _b = events
    r = admin.get(f"/audit/{a.pk}/")
    rows = {row["field"]: row for row in r.context["rows"]}
    assert rows["name"]["before"] == "旧名" and rows["name"]["after"] == "新名"
    html = r.content.decode()
    assert "旧名" in html and "新名" in html and "req-abc" in html
    assert admin.get("/audit/999999/").status_code == 404


def test_detail_of_a_bulk_event_lists_its_rows(admin, org):
    parent = audit_record_bulk(
        actor=org.admin, action="thing.bulk", object_type="t", items=[(1, "one", {"x": [1, 2]}), (2, "two", {})]
    )
    r = admin.get(f"/audit/{parent.pk}/")
    assert [c.object_id for c in r.context["children"]] == ["1", "2"]


def test_phone_fields_in_changes_are_masked_without_view_phone(org, events, staff):
    a, _b = events
    c = Client()
    c.force_login(staff)  # staff without a post: may read the log, not full numbers
    html = c.get(f"/audit/{a.pk}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    body = c.get(f"/api/v1/audit/events/{a.pk}").json()
    assert body["changes"]["phone"] == ["138****5678", "139****4321"]
    assert body["changes"]["name"] == ["旧名", "新名"]
    superuser = Client()
    superuser.force_login(org.admin)
    assert superuser.get(f"/api/v1/audit/events/{a.pk}").json()["changes"]["phone"][0] == "13812345678"


def _csv(r):
    raw = b"".join(r.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def test_csv_export_of_the_audit_log(admin, org, events):
    a, _b = events
    r = admin.get("/audit/export.csv", {"actor": org.tm_a.pk})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    rows = _csv(r)
    assert rows[0][:5] == ["id", "time", "actor_id", "actor", "action"]
    assert [row[0] for row in rows[1:]] == [str(a.pk)]
    log = AccessLog.objects.get(event="export")
    assert log.user_id == org.admin.pk and log.object_type == "audit.auditevent" and log.rows == 1


def test_csv_cells_cannot_start_a_formula(admin, org):
    audit_record(actor=org.admin, action="x", object_type="t", object_id=1, object_repr='=HYPERLINK("http://x")')
    rows = _csv(admin.get("/audit/export.csv", {"action": "x"}))
    assert rows[1][7].startswith("'=")


def test_csv_bad_filter_goes_back_with_a_message(admin, org):
    r = admin.get("/audit/export.csv", {"date_from": "soon"})
    assert r.status_code == 302 and r["Location"].startswith("/audit/?")
    assert not AccessLog.objects.filter(event="export").exists()


# --- access log -------------------------------------------------------------------------------


@pytest.fixture
def access(org):
    access_log(user=org.rep_a1, event="login", ip="10.1.1.1")
    access_log(event="login_failed", username="ghost", ip="10.9.9.9")
    access_log(user=org.gm, event="view_phone", object_type="customers.contact", detail="5:phone", rows=1)


def test_access_log_list_and_filters(admin, org, access, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        r = admin.get("/audit/access/")
    assert len(_items(r)) == 3
    assert [x.event for x in _items(admin.get("/audit/access/", {"event": "login_failed"}))] == ["login_failed"]
    assert [x.user_id for x in _items(admin.get("/audit/access/", {"user": org.gm.pk}))] == [org.gm.pk]
    assert [x.username for x in _items(admin.get("/audit/access/", {"username": "gho"}))] == ["ghost"]
    assert [x.ip for x in _items(admin.get("/audit/access/", {"ip": "10.9."}))] == ["10.9.9.9"]
    today = timezone.localdate()
    assert len(_items(admin.get("/audit/access/", {"date_from": today}))) == 3
    assert _items(admin.get("/audit/access/", {"date_from": today + dt.timedelta(days=1)})) == []


def test_access_log_csv_export_is_itself_logged(admin, org, access):
    rows = _csv(admin.get("/audit/access/export.csv", {"event": "login"}))
    assert rows[0][:3] == ["id", "time", "event"]
    assert [r[2] for r in rows[1:]] == ["login"]
    assert AccessLog.objects.filter(event="export", object_type="audit.accesslog", rows=1).count() == 1


def test_api_lists(admin, org, events, access):
    body = admin.get("/api/v1/audit/events", {"action": "customer.", "page_size": 10}).json()
    assert body["total"] == 1 and body["items"][0]["actor_name"] == str(org.tm_a)
    body = admin.get("/api/v1/audit/access", {"event": "view_phone"}).json()
    assert body["items"][0]["detail"] == "5:phone"
    assert admin.get("/api/v1/audit/events", {"page_size": 201}).status_code == 422
    assert admin.get("/api/v1/audit/events", {"date_from": "soon"}).status_code == 422
    assert admin.get("/api/v1/audit/events/999999").status_code == 404


def test_api_has_no_writes(admin, org, events):
    a, _b = events
    assert admin.post("/api/v1/audit/events", {}, content_type="application/json").status_code == 405
    assert admin.delete(f"/api/v1/audit/events/{a.pk}").status_code == 405
    assert AuditEvent.objects.filter(pk=a.pk).exists()
