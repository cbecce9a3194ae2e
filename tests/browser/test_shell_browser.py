"""The shell in a real browser: dashboard charts, navigation by role, a phone-sized
screen, the language switch, htmx error handling and the login form — with the page
failing on any CSP violation or JavaScript error (see conftest.py)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from zhidu.core.navigation import menu_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav_links(page) -> list[str]:
    return page.locator("[data-testid=nav] a.nav-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def expected_links(user) -> list[str]:
    return [item["url"] for group in menu_for(user) for item in group["items"]]


def chart_option(page, data_id: str) -> dict:
    return json.loads(page.locator(f"script#{data_id}").text_content())


def expect_chart_drawn(page, dom_id: str) -> None:
    canvas = page.locator(f"#{dom_id} canvas")
    expect(canvas.first).to_be_visible()
    box = canvas.first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box


def test_rep_sees_their_team_chart_and_no_admin_navigation(page, login, org):
    login(page, org.rep_a1)
    page.goto("/")
    expect(page.locator("[data-testid=user-name]").first).to_have_text("吴一")
    expect_chart_drawn(page, "chart-people-by-role")
    assert chart_option(page, "chart-people-by-role-data")["yAxis"]["data"] == ["上海一组"]
    expect(page.locator("[data-widget='audit.changes_per_day']")).to_have_count(0)
    links = nav_links(page)
    assert links == expected_links(org.rep_a1)
    assert "/org/users/" not in links


def test_team_manager_sees_their_subtree(page, login, org):
    login(page, org.tm_a)
    page.goto("/")
    expect_chart_drawn(page, "chart-people-by-role")
    assert chart_option(page, "chart-people-by-role-data")["yAxis"]["data"] == ["上海一组"]
    expect(page.get_by_test_id("people-total")).to_have_text("4")
    assert nav_links(page) == expected_links(org.tm_a)


def test_navigation_differs_by_role(new_page, login, org):
    seen = {}
    for persona in ("rep_a1", "tm_a", "director", "admin"):
        page = new_page()
        user = getattr(org, persona)
        login(page, user)
        page.goto("/")
        seen[persona] = nav_links(page)
        assert seen[persona] == expected_links(user), persona
    assert set(seen["rep_a1"]) <= set(seen["director"]) <= set(seen["admin"])
    assert set(seen["director"]) - set(seen["rep_a1"]), "the director should see more than a rep"
    assert "/org/users/" in seen["director"]
    # The staff-only audit chart shows only for the administrator.
    expect(page.locator("[data-widget='audit.changes_per_day'] canvas")).to_be_visible()


def test_phone_menu_toggles_and_nothing_overflows(phone_page, login, org):
    page = phone_page
    login(page, org.tm_a)
    page.goto("/")
    menu = page.locator("#sidebar-menu")
    expect(menu).to_be_hidden()
    toggle = page.get_by_test_id("menu-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # opened, animation over
    expect(menu.locator("a.nav-link").first).to_be_visible()
    toggle.click()
    expect(menu).to_be_hidden()
    expect_chart_drawn(page, "chart-people-by-role")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px screen"
    canvas = page.locator("#chart-people-by-role canvas").first.bounding_box()
    assert canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= 390


def test_language_switch(page, login, org):
    login(page, org.tm_a)
    page.goto("/")
    header = page.locator("header.navbar")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".page-pretitle")).to_have_text("仪表盘")
    header.get_by_test_id("language-switch").locator("button[data-bs-toggle]").click()
    header.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".page-pretitle")).to_have_text("Dashboard")
    expect(page.locator("[data-widget='org.people_by_role_and_unit'] .card-title")).to_have_text(
        "People by role and unit"
    )
    expect_chart_drawn(page, "chart-people-by-role")
    # and back
    header.get_by_test_id("language-switch").locator("button[data-bs-toggle]").click()
    header.locator("button[name=language][value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_htmx_is_configured_for_the_csp(page, login, org):
    login(page, org.rep_a1)
    page.goto("/")
    config = page.evaluate(
        "() => ({eval: htmx.config.allowEval, scripts: htmx.config.allowScriptTags,"
        " styles: htmx.config.includeIndicatorStyles, self: htmx.config.selfRequestsOnly,"
        " history: htmx.config.historyCacheSize})"
    )
    assert config == {"eval": False, "scripts": False, "styles": False, "self": True, "history": 0}
    # htmx's indicator <style> would have been a CSP violation; it is not there.
    assert page.locator("head style").count() == 0


def test_failed_htmx_request_shows_a_toast(page, login, org, browser_problems):
    browser_problems.allow(r"404 \(Not Found\)")
    browser_problems.allow(r"Response Status Error Code 404")  # htmx logs the failure too
    login(page, org.rep_a1)
    page.goto("/")
    # Add an htmx button through the DevTools protocol (not a page script; CSP unaffected).
    page.evaluate(
        """() => {
        const b = document.createElement('button');
        b.id = 'probe'; b.setAttribute('hx-get', '/no-such-page/'); b.setAttribute('hx-swap', 'none');
        b.textContent = 'probe';
        document.querySelector('main').appendChild(b);
        htmx.process(b);
    }"""
    )
    page.locator("#probe").click()
    toast = page.locator("#zhidu-toasts .toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("不存在")  # "Not found, or you may not see it."


def test_expired_session_sends_the_page_to_login_and_back(page, login, org):
    login(page, org.rep_a1)
    page.goto("/")
    page.evaluate(
        """() => {
        const b = document.createElement('button');
        b.id = 'probe'; b.setAttribute('hx-get', '/'); b.setAttribute('hx-target', 'main');
        document.querySelector('main').appendChild(b);
        htmx.process(b);
    }"""
    )
    # SESSION_SAVE_EVERY_REQUEST: a response still in flight (the bell badge loads after
    # the page) would set the session cookie again after it is cleared, so wait for quiet.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    assert not page.context.cookies()
    page.locator("#probe").click()
    page.wait_for_url("**/org/login/**")
    assert page.url.endswith("/org/login/?next=%2F"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_login_through_the_real_form(page, org, live_server):
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template("org/login.html")
    except TemplateDoesNotExist:
        pytest.skip("the org app has no login page yet")
    page.goto("/")
    page.wait_for_url("**/org/login/**")
    page.locator("input[name=username]").fill("tm_a")
    page.locator("input[name=password]").fill(org.password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(live_server.url + "/")
    expect_chart_drawn(page, "chart-people-by-role")
    expect(page.locator("header.navbar [data-testid=user-name]")).to_have_text("周组长")


def test_error_pages_are_friendly(page, login, org, browser_problems):
    browser_problems.allow(r"404 \(Not Found\)")
    login(page, org.rep_a1)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("[data-status='404']")).to_be_visible()
    expect(page.locator("[data-testid=nav]")).to_be_visible()


# The administrator's menu holds every page; a rep's shows the pages with the least rights.
@pytest.mark.parametrize("persona", ["admin", "rep_a1"])
def test_every_menu_page_opens_in_the_shell_without_csp_violations(new_page, login, org, persona):
    """Every page in a persona's menu loads (no 4xx/5xx), keeps the shell around it, and
    raises no CSP violation or JavaScript error (checked by the page fixture)."""
    page = new_page()
    user = getattr(org, persona)
    login(page, user)
    failures = []
    for url in expected_links(user):
        response = page.goto(url)
        if response is None or response.status >= 400:
            failures.append(f"{url}: HTTP {response.status if response else '?'}")
            continue
        if not page.locator("[data-testid=nav]").count():
            failures.append(f"{url}: page does not extend base.html")
    assert not failures, failures
