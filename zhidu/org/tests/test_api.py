import datetime as dt

import pytest
from django.test import Client

from zhidu.audit.models import AuditEvent
from zhidu.org.models import OrgUnit, Post, User


@pytest.fixture
def api(org):
    c = Client()
    c.force_login(org.admin)
    return c


def _counts():
    return OrgUnit.objects.count(), User.objects.count(), Post.objects.count(), AuditEvent.objects.count()


def _json(c, method, url, payload=None):
    return getattr(c, method)(url, payload, content_type="application/json")


# --- units ---------------------------------------------------------------------------------------


def test_units_list_filters_and_pagination(api, org):
    body = api.get("/api/v1/org/units").json()
    assert body["total"] == 6 and not body["has_next"]
    assert api.get("/api/v1/org/units", {"within": org.east.pk}).json()["total"] == 3
    assert api.get("/api/v1/org/units", {"parent": org.company.pk}).json()["total"] == 2
    assert api.get("/api/v1/org/units", {"kind": "region"}).json()["total"] == 2
    assert api.get("/api/v1/org/units", {"q": "成都"}).json()["items"][0]["code"] == "team-c"
    page = api.get("/api/v1/org/units", {"page_size": 4, "page": 2}).json()
    assert len(page["items"]) == 2 and page["page"] == 2


@pytest.mark.parametrize("query", [{"page_size": 500}, {"page": 0}, {"kind": "planet"}, {"parent": "abc"}])
def test_units_list_bad_query_is_422(api, org, query):
    r = api.get("/api/v1/org/units", query)
    assert r.status_code == 422
    assert set(r.json()) == {"code", "message", "fields"}


def test_unit_create_detail_update_move(api, org):
    r = _json(api, "post", "/api/v1/org/units", {"name": "重庆组", "code": "team-cq", "parent_id": org.west.pk})
    assert r.status_code == 201
    uid = r.json()["id"]
    assert api.get(f"/api/v1/org/units/{uid}").json()["path"] == f"{org.west.path}{uid}/"
    r = _json(api, "patch", f"/api/v1/org/units/{uid}", {"parent_id": org.east.pk, "head_id": org.rep_b1.pk})
    assert r.status_code == 200
    assert r.json()["parent_id"] == org.east.pk and r.json()["head_id"] == org.rep_b1.pk and r.json()["depth"] == 2
    r = _json(api, "patch", f"/api/v1/org/units/{uid}", {"parent_id": None})
    assert r.json()["parent_id"] is None and r.json()["depth"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x"},
        {"name": "x", "code": "bad code"},
        {"name": "x", "code": "team-a"},
        {"name": "x", "code": "ok-1", "parent_id": 999999},
        {"name": "x", "code": "ok-2", "head_id": 999999},
        {"name": "x", "code": "ok-3", "kind": "planet"},
        {"name": "x", "code": "ok-4", "region_codes": ["310000"]},
    ],
)
def test_unit_create_bad_input_changes_nothing(api, org, payload):
    before = _counts()
    r = _json(api, "post", "/api/v1/org/units", payload)
    assert r.status_code == 422, r.json()
    assert r.json()["message"]
    assert _counts() == before


def test_unit_move_under_itself_is_refused(api, org):
    before = _counts()
    r = _json(api, "patch", f"/api/v1/org/units/{org.east.pk}", {"name": "新名", "parent_id": org.team_b.pk})
    assert r.status_code == 422 and "parent" in r.json()["fields"]
    org.east.refresh_from_db()
    assert org.east.name == "华东大区" and org.east.parent_id == org.company.pk
    assert _counts() == before


def test_unit_unknown_is_404(api, org):
    assert api.get("/api/v1/org/units/999999").json()["code"] == "not_found"


# --- users ---------------------------------------------------------------------------------------


def test_users_list_filters(api, org):
    body = api.get("/api/v1/org/users", {"unit": org.team_a.pk, "role": "rep"}).json()
    assert {u["username"] for u in body["items"]} == {"rep_a1", "rep_a2"}
    assert body["items"][0]["posts"][0]["unit_name"] == org.team_a.name
    assert api.get("/api/v1/org/users", {"q": "zzz-none"}).json()["items"] == []
    assert api.get("/api/v1/org/users", {"ordering": "-username", "page_size": 1}).json()["items"][0]["username"] == (
        "tm_c"
    )


def test_users_list_query_count(api, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        body = api.get("/api/v1/org/users", {"page_size": 200}).json()
    assert body["total"] == 14


def test_user_create_update_deactivate(api, org):
    r = _json(api, "post", "/api/v1/org/users", {"username": "api_u", "full_name": "接口", "phone": "13900001111"})
    assert r.status_code == 201
    uid = r.json()["id"]
    r = _json(api, "patch", f"/api/v1/org/users/{uid}", {"capacity": 5, "employee_no": "E-9"})
    assert r.json()["capacity"] == 5 and r.json()["employee_no"] == "E-9"
    r = api.post(f"/api/v1/org/users/{uid}/deactivate")
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = api.post(f"/api/v1/org/users/{uid}/reactivate")
    assert r.json()["is_active"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "", "full_name": "x"},
        {"username": "rep_a1", "full_name": "dup"},
        {"username": "bad name!", "full_name": "x"},
        {"username": "ok1", "full_name": "x", "email": "not-an-email"},
        {"username": "ok2", "full_name": "x", "password": "123"},
    ],
)
def test_user_create_bad_input_changes_nothing(api, org, payload):
    before = _counts()
    r = _json(api, "post", "/api/v1/org/users", payload)
    assert r.status_code == 422, r.json()
    assert _counts() == before


def test_user_update_bad_input_changes_nothing(api, org):
    before = _counts()
    for payload in [{"capacity": -1}, {"capacity": None}, {"email": "nope"}, {"language": "fr"}]:
        r = _json(api, "patch", f"/api/v1/org/users/{org.rep_a1.pk}", payload)
        assert r.status_code == 422, (payload, r.json())
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.capacity == 10 and _counts() == before


def test_deactivate_self_is_refused(api, org):
    r = api.post(f"/api/v1/org/users/{org.admin.pk}/deactivate")
    assert r.status_code == 409 and r.json()["code"] == "self_deactivate"


# --- posts ---------------------------------------------------------------------------------------


def test_posts_list_filters(api, org):
    assert api.get("/api/v1/org/posts", {"unit": org.team_a.pk}).json()["total"] == 4
    assert api.get("/api/v1/org/posts", {"role": "team_manager"}).json()["total"] == 3
    assert api.get("/api/v1/org/posts", {"current": "false"}).json()["total"] == 0


def test_post_create_moves_main_and_keeps_history(api, org):
    r = _json(
        api,
        "post",
        "/api/v1/org/posts",
        {"user_id": org.rep_a1.pk, "unit_id": org.team_b.pk, "role": "rep", "valid_from": "2025-05-01"},
    )
    assert r.status_code == 201, r.json()
    old = org.rep_a1.posts.get(unit=org.team_a)
    assert old.valid_to == dt.date(2025, 4, 30)
    body = api.get("/api/v1/org/posts", {"user": org.rep_a1.pk}).json()
    assert body["total"] == 2


def test_post_update_scope_and_end(api, org):
    post = org.asst_a.posts.get()
    r = _json(
        api,
        "patch",
        f"/api/v1/org/posts/{post.pk}",
        {"data_scope": "units", "scope_unit_ids": [org.team_a.pk, org.team_b.pk]},
    )
    assert r.status_code == 200
    assert sorted(r.json()["scope_unit_ids"]) == sorted([org.team_a.pk, org.team_b.pk])
    r = _json(api, "patch", f"/api/v1/org/posts/{post.pk}", {"valid_to": "2030-01-31"})
    assert r.json()["valid_to"] == "2030-01-31"


@pytest.mark.parametrize(
    "payload",
    [
        {"user_id": 999999, "unit_id": "TEAM_C", "role": "rep"},
        {"user_id": "REP", "unit_id": 999999, "role": "rep"},
        {"user_id": "REP", "unit_id": "TEAM_C", "role": "king"},
        {"user_id": "REP", "unit_id": "TEAM_C", "role": "rep", "data_scope": "galaxy"},
        {"user_id": "REP", "unit_id": "TEAM_C", "role": "rep", "data_scope": "units"},
        {"user_id": "REP", "unit_id": "TEAM_C", "role": "rep", "scope_unit_ids": [999999]},
        {"user_id": "REP", "unit_id": "TEAM_C", "role": "rep", "valid_from": "yesterday"},
    ],
)
def test_post_create_bad_input_changes_nothing(api, org, payload):
    subs = {"REP": org.rep_a1.pk, "TEAM_C": org.team_c.pk}
    payload = {k: subs.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = _counts()
    r = _json(api, "post", "/api/v1/org/posts", payload)
    assert r.status_code == 422, r.json()
    assert _counts() == before


def test_post_update_bad_input_changes_nothing(api, org):
    post = org.rep_a1.posts.get()
    before = _counts()
    for payload in [{"data_scope": "units"}, {"valid_to": "2019-01-01"}, {"data_scope": "nope"}]:
        r = _json(api, "patch", f"/api/v1/org/posts/{post.pk}", payload)
        assert r.status_code == 422, (payload, r.json())
    post.refresh_from_db()
    assert post.data_scope == "" and post.valid_to is None and _counts() == before
