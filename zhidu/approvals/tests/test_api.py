"""``/api/v1/approvals/``."""

import datetime as dt

import pytest
from django.utils import timezone

from zhidu.approvals.choices import RequestStatus
from zhidu.approvals.models import ApprovalRequest

from .conftest import flow, policy, step, submit

TWO_STEPS = policy(flow("f", step("manager", level=1, name="L1"), step("manager", level=2, name="L2")))
BASE = "/api/v1/approvals"


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def post(c, url, data=None):
    return c.post(url, data or {}, content_type="application/json")


def test_inbox_counts_and_detail(org, make_doc, api):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS, amount="88.5")
    c = api(org.tm_a)
    body = c.get(f"{BASE}/inbox").json()
    assert body["total"] == 1 and body["has_next"] is False
    item = body["items"][0]
    assert item["request_id"] == req.pk and item["step"]["name"] == "L1" and item["amount"] == "88.50"
    assert item["summary"].startswith("unit doc-")
    assert c.get(f"{BASE}/counts").json() == {"waiting": 1, "submitted_pending": 0, "copied": 0}
    detail = c.get(f"{BASE}/requests/{req.pk}").json()
    assert detail["actions"]["can_decide"] is True
    assert [s["status"] for s in detail["steps"]] == ["pending", "waiting"]
    assert detail["steps"][1]["approvers"][0]["username"] == "rm_east"
    assert c.get(f"{BASE}/inbox", {"page_size": 500}).status_code == 422  # capped at 200


def test_decide_flow_and_conflict(org, make_doc, api):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager"))))
    c = api(org.tm_a)
    resp = post(c, f"{BASE}/requests/{req.pk}/decide", {"decision": "return"})
    assert resp.status_code == 422 and "comment" in resp.json()["fields"]
    resp = post(c, f"{BASE}/requests/{req.pk}/decide", {"decision": "approve", "comment": "ok"})
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    resp = post(c, f"{BASE}/requests/{req.pk}/decide", {"decision": "reject"})
    assert resp.status_code == 409
    assert resp.json()["code"] == "already_decided" and resp.json()["message"]
    resp = post(c, f"{BASE}/requests/{req.pk}/decide", {"decision": "maybe"})
    assert resp.status_code == 422


@pytest.mark.parametrize(
    "who, status",
    [("rep_a1", 403), ("rm_east", 403), ("gm", 403), ("director", 403), ("admin", 403), ("rep_a2", 404), ("tm_c", 404)],
)
def test_who_may_decide(org, make_doc, api, who, status):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    resp = post(api(getattr(org, who)), f"{BASE}/requests/{req.pk}/decide", {"decision": "approve"})
    assert resp.status_code == status
    assert ApprovalRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    assert req.tasks.filter(status="pending").count() == 1


def test_withdraw_resubmit_reassign_add_cc(org, make_doc, api):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    assert post(api(org.tm_a), f"{BASE}/requests/{req.pk}/withdraw").status_code == 403
    c = api(org.rep_a1)
    assert post(c, f"{BASE}/requests/{req.pk}/withdraw", {"comment": "x"}).json()["status"] == "withdrawn"
    resp = post(c, f"{BASE}/requests/{req.pk}/resubmit")
    assert resp.status_code == 201
    new = resp.json()
    assert new["round"] == 2 and [r["round"] for r in new["rounds"]] == [1, 2]
    c = api(org.tm_a)
    resp = post(c, f"{BASE}/requests/{new['id']}/add-approver", {"user": "finance"})
    assert resp.status_code == 200
    assert {t["approver"]["username"] for t in resp.json()["steps"][0]["tasks"]} == {"tm_a", "finance"}
    resp = post(c, f"{BASE}/requests/{new['id']}/reassign", {"user": "ghost"})
    assert resp.status_code == 422
    resp = post(c, f"{BASE}/requests/{new['id']}/reassign", {"user": "tm_b"})
    assert resp.status_code == 200
    resp = post(c, f"{BASE}/requests/{new['id']}/cc", {"users": ["gm"]})
    assert [u["username"] for u in resp.json()["copied_to"]] == ["gm"]
    assert api(org.gm).get(f"{BASE}/copied").json()["total"] == 1
    body = api(org.rep_a1).get(f"{BASE}/submitted", {"status": "pending"}).json()
    assert [r["id"] for r in body["items"]] == [new["id"]]


def test_delegations_api(org, api):
    today = timezone.localdate()
    c = api(org.tm_a)
    payload = {"delegate": "tm_b", "valid_from": str(today), "valid_to": str(today + dt.timedelta(days=2))}
    resp = post(c, f"{BASE}/delegations", payload)
    assert resp.status_code == 201 and resp.json()["in_force"] is True
    assert post(c, f"{BASE}/delegations", payload).status_code == 422
    assert post(c, f"{BASE}/delegations", {**payload, "user": "tm_c"}).status_code == 403
    did = resp.json()["id"]
    assert [d["id"] for d in api(org.tm_b).get(f"{BASE}/delegations").json()] == [did]
    assert post(api(org.tm_b), f"{BASE}/delegations/{did}/end").status_code == 403
    resp = post(api(org.tm_a), f"{BASE}/delegations/{did}/end")
    assert resp.status_code == 200 and resp.json()["in_force"] is False
    assert post(api(org.tm_a), f"{BASE}/delegations/{did}/end").status_code == 409


def test_api_needs_authentication(client, db):
    assert client.get(f"{BASE}/inbox").status_code == 401
