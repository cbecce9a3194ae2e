import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from zhidu.audit.models import AuditEvent
from zhidu.org.models import ApiToken
from zhidu.org.services import user_deactivate
from zhidu.org.tests.conftest import bearer
from zhidu.org.tokens import MAX_ACTIVE_TOKENS, api_token_create, api_token_revoke

ME = "/api/v1/org/me"


@pytest.fixture
def token(org):
    return api_token_create(actor=org.rep_a1, user=org.rep_a1, name="ERP sync")


def test_token_authenticates_an_api_call(org, token):
    _t, raw = token
    r = Client().get(ME, **bearer(raw))
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "rep_a1"
    assert body["roles"] == ["rep"]
    assert body["posts"][0]["unit_name"] == org.team_a.name and body["posts"][0]["data_scope"] == "own"


def test_only_a_hash_is_stored(org, token):
    t, raw = token
    assert raw.startswith(f"zd_{t.prefix}_")
    assert raw not in t.key_hash and len(t.key_hash) == 64


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer zd_nope_nope", "Bearer something", "Basic abc"])
def test_bad_or_missing_token_is_401(db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    r = Client().get(ME, **extra)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthenticated"


def test_revoked_token_is_401(org, token):
    t, raw = token
    api_token_revoke(actor=org.rep_a1, token=t)
    assert Client().get(ME, **bearer(raw)).status_code == 401


def test_expired_token_is_401(org):
    t, raw = api_token_create(
        actor=org.rep_a1, user=org.rep_a1, name="short", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert Client().get(ME, **bearer(raw)).status_code == 200
    with freeze_time(timezone.now() + dt.timedelta(hours=2)):
        assert Client().get(ME, **bearer(raw)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(org, token, django_assert_num_queries):
    t, raw = token
    start = timezone.now()
    with freeze_time(start):
        Client().get(ME, **bearer(raw))
    t.refresh_from_db()
    assert t.last_used_at == start
    with freeze_time(start + dt.timedelta(seconds=30)):
        Client().get(ME, **bearer(raw))
    t.refresh_from_db()
    assert t.last_used_at == start
    with freeze_time(start + dt.timedelta(seconds=61)):
        Client().get(ME, **bearer(raw))
    t.refresh_from_db()
    assert t.last_used_at == start + dt.timedelta(seconds=61)


def test_deactivated_users_tokens_stop_at_once(org, token):
    t, raw = token
    assert Client().get(ME, **bearer(raw)).status_code == 200
    user_deactivate(actor=org.admin, user=org.rep_a1)
    assert Client().get(ME, **bearer(raw)).status_code == 401
    t.refresh_from_db()
    assert t.revoked_at is not None


def test_inactive_user_token_is_refused_even_if_not_revoked(org, token):
    _t, raw = token
    type(org.rep_a1).objects.filter(pk=org.rep_a1.pk).update(is_active=False)
    assert Client().get(ME, **bearer(raw)).status_code == 401


def test_token_session_cannot_skip_csrf_but_token_needs_none(org):
    _t, raw = api_token_create(actor=org.rep_a1, user=org.rep_a1, name="w", scopes=["read", "write"])
    r = Client(enforce_csrf_checks=True).post(
        "/api/v1/org/tokens", {"name": "from token"}, content_type="application/json", **bearer(raw)
    )
    assert r.status_code == 201


# --- the API -----------------------------------------------------------------------------------


def test_api_create_list_revoke(org):
    c = Client()
    c.force_login(org.rep_a1)
    r = c.post("/api/v1/org/tokens", {"name": "BI"}, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert body["token"].startswith("zd_") and body["name"] == "BI"
    listed = c.get("/api/v1/org/tokens").json()
    assert [x["name"] for x in listed] == ["BI"]
    assert "token" not in listed[0] and "key_hash" not in listed[0]
    r = c.post(f"/api/v1/org/tokens/{body['id']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert Client().get(ME, **bearer(body["token"])).status_code == 401


def test_api_token_bad_input_changes_nothing(org):
    c = Client()
    c.force_login(org.rep_a1)
    for payload in [{}, {"name": ""}, {"name": "x" * 101}, {"name": "old", "expires_at": "2001-01-01T00:00:00Z"}]:
        r = c.post("/api/v1/org/tokens", payload, content_type="application/json")
        assert r.status_code == 422, payload
        assert set(r.json()) == {"code", "message", "fields"}
    assert ApiToken.objects.count() == 0


def test_cannot_revoke_someone_elses_token(org, token):
    t, _raw = token
    c = Client()
    c.force_login(org.rep_a2)
    assert c.post(f"/api/v1/org/tokens/{t.pk}/revoke").status_code == 404
    assert c.post(f"/org/account/tokens/{t.pk}/revoke/").status_code == 404
    t.refresh_from_db()
    assert t.revoked_at is None
    assert c.get("/api/v1/org/tokens").json() == []


def test_active_token_limit(org):
    for i in range(MAX_ACTIVE_TOKENS):
        api_token_create(actor=org.rep_a1, user=org.rep_a1, name=f"t{i}")
    c = Client()
    c.force_login(org.rep_a1)
    r = c.post("/api/v1/org/tokens", {"name": "one too many"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "limit_exceeded"
    assert ApiToken.objects.filter(user=org.rep_a1).count() == MAX_ACTIVE_TOKENS


# --- the "My account" page ------------------------------------------------------------------------


def test_account_page_lists_my_tokens_only(client, org, token):
    api_token_create(actor=org.rep_a2, user=org.rep_a2, name="not mine")
    client.force_login(org.rep_a1)
    html = client.get("/org/account/").content.decode()
    assert "ERP sync" in html and "not mine" not in html
    assert f"zd_{token[0].prefix}" in html
    assert token[1] not in html  # never shown again


def test_account_page_creates_a_token_shown_once(client, org):
    client.force_login(org.rep_a1)
    r = client.post("/org/account/tokens/", {"name": "Report robot", "expires_in": "30"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    t = ApiToken.objects.get(user=org.rep_a1)
    html = r.content.decode()
    assert 'data-testid="new-token"' in html and f"zd_{t.prefix}_" in html
    assert t.expires_at and t.expires_at > timezone.now() + dt.timedelta(days=29)
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(t.pk)).exists()
    again = client.get("/org/account/").content.decode()
    assert 'data-testid="new-token"' not in again


def test_account_page_refuses_a_nameless_token(client, org):
    client.force_login(org.rep_a1)
    r = client.post("/org/account/tokens/", {"name": "  "})
    assert r.status_code == 422
    assert ApiToken.objects.count() == 0


def test_account_page_revokes(client, org, token):
    t, _raw = token
    client.force_login(org.rep_a1)
    r = client.post(f"/org/account/tokens/{t.pk}/revoke/")
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.revoked_at is not None


def test_me_summarises_permissions(org):
    c = Client()
    c.force_login(org.gm)
    body = c.get(ME).json()
    assert body["roles"] == ["general_manager"]
    assert "view" in body["permissions"]["org.user"]
    assert body["posts"][0]["data_scope"] == "all"
    c.force_login(org.rep_a1)
    assert "org.user" not in c.get(ME).json()["permissions"]


# --- scopes ---------------------------------------------------------------------------------------


@pytest.fixture
def read_token(org):
    return api_token_create(actor=org.rep_a1, user=org.rep_a1, name="BI read", scopes=["read"])


@pytest.fixture
def write_token(org):
    return api_token_create(actor=org.rep_a1, user=org.rep_a1, name="ERP write", scopes=["read", "write"])


def _post_token(raw: str, name: str = "made by a token"):
    return Client().post("/api/v1/org/tokens", {"name": name}, content_type="application/json", **bearer(raw))


@pytest.mark.parametrize(
    ("scopes", "method", "expected"),
    [
        (["read"], "get", 200),
        (["read"], "post", 403),
        (["read", "write"], "get", 200),
        (["read", "write"], "post", 201),
    ],
)
def test_scope_matrix(org, scopes, method, expected):
    t, raw = api_token_create(actor=org.rep_a1, user=org.rep_a1, name="matrix", scopes=scopes)
    before = ApiToken.objects.count()
    if method == "get":
        r = Client().get("/api/v1/org/tokens", **bearer(raw))
    else:
        r = _post_token(raw)
    assert r.status_code == expected
    assert ApiToken.objects.count() == before + (1 if expected == 201 else 0)


UNSAFE = [
    ("post", "/api/v1/org/tokens/{token}/revoke"),
    ("patch", "/api/v1/org/users/{me}"),
    ("put", "/api/v1/policies/drafts/999999"),
    ("delete", "/api/v1/customers/999999"),
]


@pytest.mark.parametrize(("method", "path"), UNSAFE)
def test_read_token_refused_every_unsafe_method_with_the_api_body(org, read_token, write_token, method, path):
    t, raw = read_token
    url = path.format(token=t.pk, me=org.rep_a1.pk)
    r = getattr(Client(), method)(url, {}, content_type="application/json", **bearer(raw))
    assert r.status_code == 403
    body = r.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "token_scope" and body["fields"] == {}
    # The same request with a write token passes the token check (whatever the endpoint says next).
    r = getattr(Client(), method)(url, {}, content_type="application/json", **bearer(write_token[1]))
    assert r.status_code != 401 and (r.status_code != 403 or r.json()["code"] != "token_scope")


def test_read_token_refusal_changes_nothing(org, read_token):
    t, raw = read_token
    audit_before = AuditEvent.objects.count()
    r = Client().post(f"/api/v1/org/tokens/{t.pk}/revoke", **bearer(raw))
    assert r.status_code == 403
    t.refresh_from_db()
    assert t.revoked_at is None and t.last_used_at is None
    assert ApiToken.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before
    r = _post_token(raw, "escalate")
    assert r.status_code == 403 and not ApiToken.objects.filter(name="escalate").exists()


def test_refusal_message_is_translated(org, read_token):
    _t, raw = read_token
    r = Client().post(
        "/api/v1/org/tokens",
        {"name": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(raw),
    )
    assert r.status_code == 403 and "只读" in r.json()["message"]


def test_session_auth_is_not_limited_by_scopes(org, read_token):
    c = Client()
    c.force_login(org.rep_a1)
    r = c.post("/api/v1/org/tokens", {"name": "from the browser"}, content_type="application/json")
    assert r.status_code == 201
    assert c.get("/api/v1/org/tokens").status_code == 200


def test_default_scope_is_read_and_write_implies_read(org):
    t, _raw = api_token_create(actor=org.rep_a1, user=org.rep_a1, name="default")
    assert t.scopes == ["read"]
    t, _raw = api_token_create(actor=org.rep_a1, user=org.rep_a1, name="w", scopes=["write"])
    assert t.scopes == ["read", "write"]
    event = AuditEvent.objects.filter(action="api_token.create", object_id=str(t.pk)).get()
    assert event.changes["scopes"] == [None, ["read", "write"]]


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "delete"]])
def test_unknown_or_no_scopes_are_refused(org, scopes):
    from zhidu.core.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        api_token_create(actor=org.rep_a1, user=org.rep_a1, name="bad", scopes=scopes)
    assert "scopes" in exc.value.fields
    assert ApiToken.objects.count() == 0


def test_api_create_with_scopes_and_list_shows_them(org):
    c = Client()
    c.force_login(org.rep_a1)
    r = c.post("/api/v1/org/tokens", {"name": "RO"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["scopes"] == ["read"]
    r = c.post("/api/v1/org/tokens", {"name": "RW", "scopes": ["read", "write"]}, content_type="application/json")
    assert r.status_code == 201 and r.json()["scopes"] == ["read", "write"]
    listed = {x["name"]: x["scopes"] for x in c.get("/api/v1/org/tokens").json()}
    assert listed == {"RO": ["read"], "RW": ["read", "write"]}
    r = c.post("/api/v1/org/tokens", {"name": "bad", "scopes": ["root"]}, content_type="application/json")
    assert r.status_code == 422 and any(k.startswith("scopes") for k in r.json()["fields"])
    r = c.post("/api/v1/org/tokens", {"name": "bad", "scopes": []}, content_type="application/json")
    assert r.status_code == 422
    assert ApiToken.objects.count() == 2


def test_account_page_chooses_and_shows_the_access(client, org):
    client.force_login(org.rep_a1)
    html = client.get("/org/account/").content.decode()
    assert 'type="radio" name="access" value="read"' in html and 'value="write"' in html
    client.post("/org/account/tokens/", {"name": "Reader", "access": "read"})
    client.post("/org/account/tokens/", {"name": "Writer", "access": "write"})
    assert ApiToken.objects.get(name="Reader").scopes == ["read"]
    assert ApiToken.objects.get(name="Writer").scopes == ["read", "write"]
    html = client.get("/org/account/").content.decode()
    assert html.count('data-testid="token-scopes"') == 2
    assert 'data-scopes="read"' in html and 'data-scopes="read write"' in html
    r = client.post("/org/account/tokens/", {"name": "Odd", "access": "root"})
    assert r.status_code == 422 and not ApiToken.objects.filter(name="Odd").exists()


def test_migration_gives_existing_tokens_both_scopes(org, read_token):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("zhidu.org.migrations.0003_api_token_scopes")
    migration.existing_tokens_read_write(apps, None)
    t, _raw = read_token
    t.refresh_from_db()
    assert t.scopes == ["read", "write"]


def test_account_page_shows_the_header_example_escaped(client, org):
    """The intro quotes "Authorization: Bearer <token>": the placeholder must be text, not a tag."""
    client.force_login(org.rep_a1)
    html = client.get("/org/account/").content.decode()
    assert "Bearer &lt;令牌&gt;" in html
