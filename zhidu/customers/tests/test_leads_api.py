"""``/api/v1/customers/leads``: create, list, detail, update, status, checklist, qualify,
disqualify, convert, assign (person, turn, bulk), the allocation explanation and the
fairness report — and the one error shape ``{code, message, fields}`` for every refusal."""

from __future__ import annotations

import pytest

from zhidu.customers.choices import LeadStatus
from zhidu.customers.models import Customer, Lead

from .factories import CustomerFactory
from .lead_support import unassigned

pytestmark = pytest.mark.django_db
BASE = "/api/v1/customers/leads"
BANT = {"budget": {"ok": True, "note": "有预算"}, "authority": True, "need": True, "timing": True}


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def post(c, url, body=None):
    return c.post(url, body or {}, content_type="application/json")


def error_shape(r, status, code):
    assert r.status_code == status, r.content
    body = r.json()
    assert {"code", "message", "fields"} <= set(body) and body["code"] == code and body["message"]
    return body


def test_create_list_detail_and_update(org, as_user):
    c = as_user(org.rep_a1)
    r = post(
        c, BASE, {"company": "華為技術", "contact_name": "张三", "phone": "+86 138 0013 8000", "source": "web_search"}
    )
    assert r.status_code == 201, r.content
    lead = r.json()
    assert lead["owner"]["name"] == "吴一" and lead["status"] == "new" and lead["phone"] == "+86 138 0013 8000"
    assert lead["customer_matches"] == []
    assert [x["company"] for x in c.get(BASE, {"q": "hwjs"}).json()["items"]] == ["華為技術"]
    assert c.get(BASE, {"status": ["qualified"]}).json()["items"] == []
    assert c.get(f"{BASE}/{lead['id']}").json()["company"] == "華為技術"
    r = c.patch(f"{BASE}/{lead['id']}", {"city": "深圳"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["city"] == "深圳"
    assert c.get(BASE, {"page_size": 500}).status_code == 422  # capped at 200


def test_error_shapes(org, as_user, client):
    assert error_shape(client.get(BASE), 401, "unauthenticated")
    c = as_user(org.rep_a1)
    body = error_shape(post(c, BASE, {"company": "某公司", "phone": "123"}), 422, "invalid")
    assert "phone" in body["fields"]
    error_shape(post(c, BASE, {"phone": 123456}), 422, "invalid")  # a number where text is expected
    mine = post(c, BASE, {"company": "上海华东机械", "phone": "13800138000"}).json()
    dup = error_shape(
        post(as_user(org.rep_a2), BASE, {"company": "上海華東機械有限公司", "phone": "13900139000"}),
        409,
        "duplicate_lead",
    )
    assert dup["duplicates"][0]["owner"] == "吴一"
    c = as_user(org.rep_b1)
    error_shape(c.get(f"{BASE}/{mine['id']}"), 404, "not_found")
    c = as_user(org.rep_a1)
    error_shape(post(c, f"{BASE}/{mine['id']}/disqualify", {"reason": "other"}), 422, "invalid")
    error_shape(post(c, f"{BASE}/{mine['id']}/status", {"status": "converted"}), 422, "invalid")
    error_shape(post(c, f"{BASE}/{mine['id']}/convert"), 409, "not_qualified")
    error_shape(post(c, f"{BASE}/{mine['id']}/assign", {"to_user_id": org.rep_a2.pk}), 403, "forbidden")
    error_shape(c.get(f"{BASE}/fairness", {"unit_id": org.team_b.pk}), 403, "forbidden")
    error_shape(c.get(f"{BASE}/fairness", {"period": "year"}), 422, "invalid")
    assert Lead.objects.get(pk=mine["id"]).owner == org.rep_a1


def test_screening_and_conversion(org, as_user):
    c = as_user(org.rep_a1)
    lead = post(c, BASE, {"company": "宁波港机", "contact_name": "李工", "phone": "13800138000"}).json()
    r = post(c, f"{BASE}/{lead['id']}/checklist", {"answers": {"budget": {"ok": True, "note": "有预算"}}})
    assert r.json()["status"] == "working" and r.json()["qualification"]["budget"]["ok"] is True
    body = error_shape(post(c, f"{BASE}/{lead['id']}/qualify"), 422, "checklist_incomplete")
    assert body["fields"]["answers"] == ["authority", "need", "timing"]
    assert post(c, f"{BASE}/{lead['id']}/qualify", {"answers": BANT}).json()["status"] == "qualified"
    CustomerFactory(name="宁波港机有限公司", owner=org.rep_b1)
    body = error_shape(post(c, f"{BASE}/{lead['id']}/convert"), 409, "duplicate")
    assert body["duplicates"][0]["owner"] == "褚三" and Customer.objects.count() == 1
    r = post(c, f"{BASE}/{lead['id']}/convert", {"customer": {"name": "宁波新港机械", "tier": "A"}})
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["status"] == "converted" and out["customer_name"] == "宁波新港机械" and out["contact_id"]
    other = post(c, BASE, {"company": "丢弃", "phone": "13700137000"}).json()
    r = post(c, f"{BASE}/{other['id']}/disqualify", {"reason": "competitor"})
    assert (r.json()["status"], r.json()["disqualify_reason"]) == ("disqualified", "competitor")
    assert post(c, f"{BASE}/{other['id']}/status", {"status": "working"}).json()["status"] == "working"


def test_assignment_explanation_bulk_and_fairness(org, as_user):
    c = as_user(org.tm_a)
    made = post(c, BASE, {"company": "自动分配", "phone": "13600136000", "assign": "none"}).json()
    assert made["owner"] is None and made["unit"]["id"] == org.team_a.pk
    r = post(c, f"{BASE}/{made['id']}/assign", {})
    assert r.status_code == 200, r.content
    a = r.json()
    assert a["method"] == "auto" and a["assignee"]["name"] in ("吴一", "郑二")
    assert a["policy_ref"] == "allocation · default" and a["explanation"]
    assert {x["name"] for x in a["candidates"]} == {"吴一", "郑二"}
    r = post(
        c,
        f"{BASE}/{made['id']}/assign",
        {"to_user_id": org.rep_a2.pk if a["assignee"]["name"] == "吴一" else org.rep_a1.pk, "reason": "调整"},
    )
    assert r.json()["method"] == "manual" and r.json()["assigned_by"]["name"] == "周组长"
    history = c.get(f"{BASE}/{made['id']}/allocations").json()
    assert [h["method"] for h in history] == ["manual", "auto"]
    # The assignee reads why.
    owner = Lead.objects.get(pk=made["id"]).owner
    why = as_user(owner).get(f"{BASE}/{made['id']}/allocation").json()
    assert why["method"] == "manual" and "周组长" in " ".join(why["explanation"])
    c = as_user(org.tm_a)
    waiting = [unassigned(org.team_a) for _ in range(2)]
    rows = post(c, f"{BASE}/bulk-assign", {"lead_ids": [x.pk for x in waiting] + [unassigned(org.team_c).pk]}).json()
    assert [r["ok"] for r in rows] == [True, True, False]
    report = c.get(f"{BASE}/fairness", {"period": "month"}).json()
    assert report["unit_id"] == org.team_a.pk and report["total_received"] == 4
    assert report["by_method"] == {"auto": 3, "manual": 1} and report["gini"] is not None
    assert {r["name"] for r in report["rows"]} == {"吴一", "郑二"}


def test_lead_status_codes_are_the_documented_choices(org, as_user):
    c = as_user(org.rep_a1)
    schema = c.get("/api/v1/openapi.json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/customers/leads"]["get"]["parameters"]}
    assert {"q", "status", "source", "owner", "unit", "unassigned", "overdue", "page", "page_size"} <= params
    assert set(LeadStatus.values) == {"new", "working", "qualified", "disqualified", "converted"}
