"""The page shell: menu by role with the current entry marked, the user's name and posts,
sign-out as a POST form, the CSP header and no inline scripts."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from zhidu.core.context_processors import _mark_active
from zhidu.core.navigation import menu_for

pytestmark = pytest.mark.django_db


def test_the_longest_matching_entry_is_active():
    menu = [
        {"key": "a", "label": "", "items": [{"url": "/", "label": "Home"}, {"url": "/org/users/", "label": "Users"}]},
        {"key": "b", "label": "B", "items": [{"url": "/org/users/new/", "label": "New"}]},
    ]
    marked = _mark_active(menu, "/org/users/new/")
    assert [i["active"] for g in marked for i in g["items"]] == [False, False, True]
    assert [i["active"] for g in _mark_active(menu, "/org/users/12/") for i in g["items"]] == [False, True, False]
    assert [i["active"] for g in _mark_active(menu, "/") for i in g["items"]] == [True, False, False]


def test_menu_matches_permissions(client, org):
    for persona in ("rep_a1", "director"):
        user = getattr(org, persona)
        client.force_login(user)
        html = client.get(reverse("core:dashboard")).content.decode()
        nav = html.split('data-testid="nav"', 1)[1].split("</ul>", 1)[0]
        shown = re.findall(r'<a class="nav-link" href="([^"]+)"', nav)
        assert shown == [i["url"] for g in menu_for(user) for i in g["items"]]
    assert "/org/users/" in [i["url"] for g in menu_for(org.director) for i in g["items"]]
    assert "/org/users/" not in [i["url"] for g in menu_for(org.rep_a1) for i in g["items"]]


def test_header_shows_name_posts_and_a_post_logout_form(client, org):
    client.force_login(org.tm_a)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'data-testid="user-name">周组长<' in html
    assert "Team manager · 上海一组" in html
    assert f'<form method="post" action="{reverse("org:logout")}"' in html
    assert 'class="nav-item active"' in html  # the dashboard entry is marked


def test_csp_header_and_no_inline_script(client, org):
    client.force_login(org.rep_a1)
    response = client.get(reverse("core:dashboard"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-eval" not in csp
    html = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html
    assert "hx-on" not in html and "javascript:" not in html


def test_chart_tag_renders_data_as_json_script():
    html = Template('{% load zhidu_ui %}{% chart option dom_id="c1" height=200 label="L" %}').render(
        Context({"option": {"series": [{"data": [1, 2]}], "title": {"text": "</script><b>"}}})
    )
    assert 'id="c1" data-chart="c1-data" data-chart-height="200"' in html
    assert '<script id="c1-data" type="application/json">' in html
    assert "</script><b>" not in html  # escaped by json_script


@pytest.mark.parametrize(("name", "expected"), [("周组长", "周"), ("Ada Lovelace", "AL"), ("", "?"), ("admin", "A")])
def test_initials(name, expected):
    assert Template("{% load zhidu_ui %}{{ n|initials }}").render(Context({"n": name})) == expected
