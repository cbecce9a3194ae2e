"""Who may open which administration page and API endpoint: personas × pages → status.

Pages: 200 or 403, and the login page for anonymous visitors. API: 200 or 403, and 401
for anonymous callers. A refused write changes nothing (row counts before and after)."""

import pytest
from django.test import Client

from zhidu.audit.models import AccessLog, AuditEvent
from zhidu.audit.services import audit_record
from zhidu.org.models import ActionPermission, ApiToken, OrgUnit, Post, RoleScope, User

PERSONAS = ["anon", "admin", "staff", "gm", "director", "hr", "finance", "tm_a", "rep_a1"]

VIEW_ORG = {"admin", "staff", "gm", "director", "hr"}
MANAGE_ORG = {"admin", "staff", "hr"}
PERMS = {"admin", "staff"}
AUDIT = {"admin", "staff"}
EVERYONE = set(PERSONAS) - {"anon"}

# (url template, who gets 200)
PAGES = [
    ("/org/account/", EVERYONE),
    ("/org/password/", EVERYONE),
    ("/org/users/", VIEW_ORG),
    ("/org/users/{rep}/", VIEW_ORG),
    ("/org/units/", VIEW_ORG),
    ("/org/users/new/", MANAGE_ORG),
    ("/org/users/{rep}/edit/", MANAGE_ORG),
    ("/org/units/new/", MANAGE_ORG),
    ("/org/units/{team}/edit/", MANAGE_ORG),
    ("/org/permissions/", PERMS),
    ("/org/permissions/scopes/", PERMS),
    ("/audit/", AUDIT),
    ("/audit/{event}/", AUDIT),
    ("/audit/export.csv", AUDIT),
    ("/audit/access/", AUDIT),
    ("/audit/access/export.csv", AUDIT),
]

API = [
    ("/api/v1/org/me", EVERYONE),
    ("/api/v1/org/tokens", EVERYONE),
    ("/api/v1/org/users", VIEW_ORG),
    ("/api/v1/org/users/{rep}", VIEW_ORG),
    ("/api/v1/org/units", VIEW_ORG),
    ("/api/v1/org/units/{team}", VIEW_ORG),
    ("/api/v1/org/posts", VIEW_ORG),
    ("/api/v1/audit/events", AUDIT),
    ("/api/v1/audit/events/{event}", AUDIT),
    ("/api/v1/audit/access", AUDIT),
]


@pytest.fixture
def people(org, hr, staff):
    return {**{k: getattr(org, k) for k in PERSONAS if hasattr(org, k)}, "hr": hr, "staff": staff}


def _client(people, persona):
    c = Client()
    if persona != "anon":
        c.force_login(people[persona])
    return c


def _url(template, org):
    event = audit_record(actor=org.admin, action="probe", object_type="t", object_id=1)
    return template.format(rep=org.rep_a1.pk, team=org.team_a.pk, event=event.pk)


def _expected_page(persona, allowed):
    return "login" if persona == "anon" else 200 if persona in allowed else 403


def _page_outcome(r):
    if r.status_code == 302 and r["Location"].startswith("/org/login/?next="):
        return "login"
    return r.status_code


# One test per persona (each builds the org once), checking every row of the matrix and
# reporting every mismatch at once.


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages(org, people, persona):
    c = _client(people, persona)
    wrong = []
    for template, allowed in PAGES:
        got, want = _page_outcome(c.get(_url(template, org))), _expected_page(persona, allowed)
        if got != want:
            wrong.append(f"{template}: got {got}, want {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api(org, people, persona):
    c = _client(people, persona)
    wrong = []
    for template, allowed in API:
        r = c.get(_url(template, org))
        want = 401 if persona == "anon" else 200 if persona in allowed else 403
        if r.status_code != want:
            wrong.append(f"{template}: got {r.status_code}, want {want}")
        elif want in (401, 403) and r.json()["code"] != {401: "unauthenticated", 403: "forbidden"}[want]:
            wrong.append(f"{template}: error code {r.json()['code']}")
    assert not wrong, "\n".join(wrong)


def _counts():
    return {
        m.__name__: m.objects.count()
        for m in (OrgUnit, User, Post, ActionPermission, RoleScope, ApiToken, AuditEvent, AccessLog)
    }


def _state(org):
    org.rep_a1.refresh_from_db()
    org.team_a.refresh_from_db()
    return (org.rep_a1.is_active, org.rep_a1.full_name, org.team_a.name, org.team_a.path)


# (method, url, data, who may) — every one is refused for the others.
WRITES = [
    ("post", "/org/units/new/", {"name": "X", "code": "x-unit", "kind": "team"}, MANAGE_ORG),
    ("post", "/org/units/{team}/edit/", {"name": "改", "code": "team-a", "kind": "team"}, MANAGE_ORG),
    ("post", "/org/users/new/", {"username": "intruder", "full_name": "X"}, MANAGE_ORG),
    ("post", "/org/users/{rep}/edit/", {"full_name": "改", "capacity": 1}, MANAGE_ORG),
    ("post", "/org/users/{rep}/deactivate/", {}, MANAGE_ORG),
    ("post", "/org/users/{rep}/posts/", {"unit": "{team_c}", "role": "rep", "valid_from": "2030-01-01"}, MANAGE_ORG),
    ("post", "/org/permissions/", {"type": "org.user", "cell": ["rep:view"]}, PERMS),
    ("post", "/org/permissions/reset/", {}, PERMS),
    ("post", "/org/permissions/scopes/", {"rep": "all"}, PERMS),
]
API_WRITES = [
    ("post", "/api/v1/org/units", {"name": "X", "code": "x-unit"}, MANAGE_ORG),
    ("patch", "/api/v1/org/units/{team}", {"name": "改"}, MANAGE_ORG),
    ("post", "/api/v1/org/users", {"username": "intruder", "full_name": "X"}, MANAGE_ORG),
    ("patch", "/api/v1/org/users/{rep}", {"full_name": "改"}, MANAGE_ORG),
    ("post", "/api/v1/org/users/{rep}/deactivate", None, MANAGE_ORG),
    ("post", "/api/v1/org/posts", {"user_id": "{rep}", "unit_id": "{team_c}", "role": "rep"}, MANAGE_ORG),
]


def _fill(value, org):
    subs = {"{rep}": org.rep_a1.pk, "{team}": org.team_a.pk, "{team_c}": org.team_c.pk}
    if isinstance(value, dict):
        return {k: _fill(v, org) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, org) for v in value]
    return subs.get(value, value) if isinstance(value, str) else value


REFUSED = ["anon", "gm", "director", "finance", "tm_a", "rep_a1"]


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_writes_change_nothing(org, people, persona):
    c = _client(people, persona)
    wrong = []
    for method, template, data, allowed in WRITES + API_WRITES:
        assert persona not in allowed
        is_api = template.startswith("/api/")
        before, state = _counts(), _state(org)
        url = template.format(rep=org.rep_a1.pk, team=org.team_a.pk)
        if is_api:
            r = getattr(c, method)(url, _fill(data, org), content_type="application/json")
            want = 401 if persona == "anon" else 403
        else:
            r = getattr(c, method)(url, _fill(data, org))
            want = 302 if persona == "anon" else 403
        if r.status_code != want:
            wrong.append(f"{method} {template}: got {r.status_code}, want {want}")
        if _counts() != before or _state(org) != state:
            wrong.append(f"{method} {template}: something changed")
    assert not wrong, "\n".join(wrong)


def test_granting_the_audit_view_opens_the_log_to_that_role(org):
    c = Client()
    c.force_login(org.finance)
    assert c.get("/audit/").status_code == 403
    ActionPermission.objects.create(role="finance", object_type="audit.auditevent", action="view", allowed=True)
    assert c.get("/audit/").status_code == 200
    assert c.get("/audit/export.csv").status_code == 403  # export is its own right
    assert c.get("/audit/access/").status_code == 403


def test_menu_entries_follow_permissions(org, people):
    html = _client(people, "admin").get("/org/account/").content.decode()
    for url in ["/org/users/", "/org/units/", "/org/permissions/", "/audit/", "/audit/access/", "/org/account/"]:
        assert f'href="{url}"' in html
    html = _client(people, "rep_a1").get("/org/account/").content.decode()
    assert 'href="/org/account/"' in html
    for url in ["/org/users/", "/org/units/", "/org/permissions/", "/audit/", "/audit/access/"]:
        assert f'href="{url}"' not in html
    html = _client(people, "gm").get("/org/account/").content.decode()
    assert 'href="/org/users/"' in html and 'href="/org/permissions/"' not in html
