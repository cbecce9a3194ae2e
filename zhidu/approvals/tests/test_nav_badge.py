"""The "waiting for me" count in the navigation (``NavItem.badge``): rendered with every
page, refreshed in place through ``core:nav_badge`` every minute and after a decision."""

import re

import pytest
from django.urls import reverse

from zhidu.approvals.selectors import inbox_count
from zhidu.core.navigation import menu_for

from .conftest import flow, policy, step, submit

TWO_STEPS = policy(flow("f", step("manager", level=1, name="L1"), step("manager", level=2, name="L2")))
HX = {"HTTP_HX_REQUEST": "true"}
BADGE = 'data-testid="nav-badge-approvals-inbox"'


def _badge_html(html: str) -> str:
    start = html.find('<span class="zd-nav-badge ms-auto" id="nav-badge-approvals-inbox"')
    assert start >= 0, "no approvals badge"
    return html[start:].split("</a>", 1)[0]


def _count(html: str) -> int:
    return int(re.search(r'data-count="(\d+)"', _badge_html(html)).group(1))


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_each_persona_sees_their_own_count(org, make_doc, as_user):
    for _ in range(3):
        submit(org.rep_a1, make_doc(), TWO_STEPS)
    submit(org.rep_b1, make_doc(), TWO_STEPS)
    expected = {"tm_a": 3, "tm_b": 1, "rep_a1": 0, "rm_east": 0}
    for persona, n in expected.items():
        user = getattr(org, persona)
        assert inbox_count(user=user) == n
        html = as_user(user).get(reverse("core:dashboard")).content.decode()
        assert _count(html) == n, persona
        badge = _badge_html(html)
        assert 'hx-trigger="every 60s, approvals-changed from:body"' in badge
        assert f'hx-get="{reverse("core:nav_badge", args=["approvals:inbox"])}"' in badge
        if n:
            assert f'aria-hidden="true">{n}</span>' in badge and "to do" in badge
        else:
            assert "badge-pill" not in badge  # nothing to show, the wrapper stays for the refresh
    # The entry carries it in the menu; other entries have none.
    items = {i["url"]: i for g in menu_for(org.tm_a) for i in g["items"]}
    assert int(items[reverse("approvals:inbox")]["badge"]["count"]) == 3
    assert "badge" not in items[reverse("approvals:submitted")]


def test_the_count_updates_after_a_decision(org, make_doc, as_user):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    submit(org.rep_a1, make_doc(), TWO_STEPS)
    c = as_user(org.tm_a)
    url = reverse("core:nav_badge", args=["approvals:inbox"])
    r = c.get(url, **HX)
    assert r.status_code == 200 and _count(r.content.decode()) == 2
    assert "<html" not in r.content.decode()
    resp = c.post(reverse("approvals:act", args=[req.pk, "decide"]), {"decision": "approve", "comment": "好"}, **HX)
    assert resp.status_code == 200 and resp["HX-Trigger"] == "approvals-changed"
    assert _count(c.get(url, **HX).content.decode()) == 1
    assert _count(c.get(reverse("core:dashboard")).content.decode()) == 1
    # The next approver's badge went up.
    assert _count(as_user(org.rm_east).get(url, **HX).content.decode()) == 1
    # A refused decision changes nothing and sends no event.
    resp = as_user(org.tm_a).post(
        reverse("approvals:act", args=[req.pk, "decide"]), {"decision": "approve", "comment": ""}, **HX
    )
    assert "HX-Trigger" not in resp
    assert _count(c.get(url, **HX).content.decode()) == 1


def test_badge_endpoint_refuses_unknown_entries_and_anonymous_polls(org, client):
    client.force_login(org.rep_a1)
    assert client.get(reverse("core:nav_badge", args=["approvals:submitted"])).status_code == 404  # no badge
    assert client.get(reverse("core:nav_badge", args=["nope:nothing"])).status_code == 404
    client.logout()
    # An expired session on a poll: one HX-Redirect to the login page (app.js sends the
    # page there and back), never the login form swapped into the menu.
    r = client.get(reverse("core:nav_badge", args=["approvals:inbox"]), **HX)
    assert r.status_code == 204 and r["HX-Redirect"].startswith(reverse("org:login"))
    # The login page renders no menu and so no badge: no polling, no loop.
    login_page = client.get(reverse("org:login")).content.decode()
    assert "nav-badge" not in login_page and "hx-trigger" not in login_page.replace('hx-trigger="load"', "")


def test_a_refresh_costs_a_request(org, make_doc, as_user, django_assert_max_num_queries):
    for _ in range(5):
        submit(org.rep_a1, make_doc(), TWO_STEPS)
    c = as_user(org.tm_a)
    url = reverse("core:nav_badge", args=["approvals:inbox"])
    c.get(url, **HX)
    # A refresh is a whole request — session, user, permissions, the count, the session
    # save (SESSION_SAVE_EVERY_REQUEST) and the transaction's savepoints — against one
    # COUNT when the page renders it: hence computed with the page, polled only every minute.
    with django_assert_max_num_queries(9):
        assert _count(c.get(url, **HX).content.decode()) == 5


def test_the_phone_menu_button_shows_that_something_waits(org, make_doc, as_user):
    """On a phone the menu is folded away: its button carries a dot when any entry has a count."""
    for _ in range(2):
        submit(org.rep_a1, make_doc(), TWO_STEPS)
    html = as_user(org.tm_a).get(reverse("core:dashboard")).content.decode()
    toggle = html[html.find('data-testid="menu-toggle"') :].split("</button>", 1)[0]
    assert 'data-testid="menu-to-do"' in toggle and "2 items to do" in toggle
    html = as_user(org.rep_b1).get(reverse("core:dashboard")).content.decode()
    toggle = html[html.find('data-testid="menu-toggle"') :].split("</button>", 1)[0]
    assert "menu-to-do" not in toggle
