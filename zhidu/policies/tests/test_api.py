import datetime as dt

import pytest

from zhidu.audit.models import AuditEvent
from zhidu.policies.choices import VersionStatus
from zhidu.policies.models import PolicyVersion

API = "/api/v1/policies"


@pytest.fixture
def api(client, org):
    client.force_login(org.admin)
    return client


def _state():
    return (
        list(PolicyVersion.objects.order_by("pk").values_list("pk", "status", "document", "effective_from")),
        AuditEvent.objects.count(),
    )


def test_kinds_with_json_schema(api, demo_kind):
    body = api.get(f"{API}/kinds").json()
    demo = next(k for k in body if k["key"] == "demo_leads")
    assert demo["clause"] == "000 §1.3" and demo["schema_version"] == 2
    props = demo["document_schema"]["properties"]
    assert props["max_leads_per_rep"]["description"] == "Most open leads one rep may hold."
    assert demo["default"]["max_leads_per_rep"] == 30
    assert api.get(f"{API}/kinds/nope").status_code == 404


def test_draft_update_publish_resolve(api, org, demo_kind):
    r = api.post(f"{API}/drafts", {"kind": "demo_leads", "unit_id": org.east.pk}, content_type="application/json")
    assert r.status_code == 201, r.content
    draft = r.json()
    assert draft["status"] == "draft" and draft["ref"] == "demo_leads v1 · 华东大区 · draft"
    r = api.put(
        f"{API}/drafts/{draft['id']}",
        {"document": {**draft["document"], "protect_days": 30}},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["document"]["protect_days"] == 30
    diff = api.get(f"{API}/versions/{draft['id']}/diff").json()
    assert diff["base_ref"] == "demo_leads · default"
    assert diff["changes"] == [{"path": "protect_days", "change": "changed", "old": 90, "new": 30}]
    today = dt.date.today().isoformat()
    r = api.post(f"{API}/versions/{draft['id']}/publish", {"effective_from": today}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = api.get(f"{API}/resolve", {"kind": "demo_leads", "unit": org.team_a.pk})
    body = r.json()
    assert body["version_id"] == draft["id"] and body["value"]["protect_days"] == 30
    assert body["ref"] == f"demo_leads v1 · 华东大区 · from {today}" and body["unit_id"] == org.east.pk
    r = api.get(f"{API}/resolve", {"kind": "demo_leads", "unit": org.team_c.pk, "on": today})
    assert r.json()["is_default"] is True and r.json()["ref"] == "demo_leads · default"
    listing = api.get(f"{API}/versions", {"kind": "demo_leads", "status": "published"}).json()
    assert [v["id"] for v in listing["items"]] == [draft["id"]] and listing["total"] == 1


def test_bad_input_gets_clear_errors_and_changes_nothing(api, org, demo_kind):
    draft = api.post(f"{API}/drafts", {"kind": "demo_leads"}, content_type="application/json").json()
    before = _state()
    r = api.post(f"{API}/drafts", {"kind": "nope"}, content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "unknown_kind"
    r = api.post(f"{API}/drafts", {"kind": "demo_leads"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "draft_exists"
    r = api.put(
        f"{API}/drafts/{draft['id']}", {"document": {"max_leads_per_rep": "many"}}, content_type="application/json"
    )
    assert r.status_code == 422 and set(r.json()["fields"]) == {"document.max_leads_per_rep"}
    r = api.put(f"{API}/drafts/{draft['id']}", {"document": [1]}, content_type="application/json")
    assert r.status_code == 422 and set(r.json()["fields"]) == {"document"}
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    r = api.post(f"{API}/versions/{draft['id']}/publish", {"effective_from": past}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "backdate_required"
    r = api.post(f"{API}/versions/{draft['id']}/publish", {"effective_from": "soon"}, content_type="application/json")
    assert r.status_code == 422
    r = api.get(f"{API}/resolve", {"kind": "nope"})
    assert r.status_code == 404
    assert api.get(f"{API}/versions/999999").status_code == 404
    assert _state() == before


def test_published_version_is_refused_by_the_api(api, org, publish):
    v = publish()
    before = _state()
    r = api.put(f"{API}/drafts/{v.pk}", {"document": {}}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "not_draft"
    r = api.post(
        f"{API}/versions/{v.pk}/publish",
        {"effective_from": dt.date.today().isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 409
    assert api.delete(f"{API}/drafts/{v.pk}").status_code == 409
    assert _state() == before


def test_closures_api(api, org, demo_kind):
    d = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = api.post(f"{API}/closures", {"closed_through": d}, content_type="application/json")
    assert r.status_code == 201
    r = api.post(f"{API}/closures", {"closed_through": d}, content_type="application/json")
    assert r.status_code == 422 and "closed_through" in r.json()["fields"]
    assert [c["closed_through"] for c in api.get(f"{API}/closures").json()] == [d]


def test_permissions(client, org, demo_kind):
    client.force_login(org.rep_a1)
    assert client.get(f"{API}/kinds").status_code == 403
    assert client.get(f"{API}/resolve", {"kind": "demo_leads"}).status_code == 403
    r = client.post(f"{API}/drafts", {"kind": "demo_leads"}, content_type="application/json")
    assert r.status_code == 403 and not PolicyVersion.objects.exists()
    client.force_login(org.rm_east)
    assert client.get(f"{API}/kinds").status_code == 200
    assert client.post(f"{API}/drafts", {"kind": "demo_leads"}, content_type="application/json").status_code == 403


def test_draft_discard_via_api(api, org, demo_kind):
    draft = api.post(f"{API}/drafts", {"kind": "demo_leads"}, content_type="application/json").json()
    assert api.delete(f"{API}/drafts/{draft['id']}").status_code == 204
    assert not PolicyVersion.objects.filter(status=VersionStatus.DRAFT).exists()
