"""Navigation badges in a real browser: the approvals "waiting for me" count on a 390 px
phone menu, updated in place after a decision (the "approvals-changed" event), and the
"my day" count of follow-ups due; no CSP violation (checked by the page fixture)."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from zhidu.approvals.registry import register_approvable, unregister_approvable
from zhidu.approvals.tests.conftest import flow, policy, step, submit
from zhidu.org.models import OrgUnit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TWO_STEPS = policy(flow("f", step("manager", level=1, name="L1"), step("manager", level=2, name="L2")))
_seq = itertools.count(1)


@pytest.fixture
def doc():
    """Approvals has no document of its own: approve org units outside the company tree."""
    register_approvable("org.orgunit", describe=lambda obj: {"summary": f"合同 {obj.code}", "fields": {}})

    def make() -> OrgUnit:
        n = next(_seq)
        unit = OrgUnit.objects.create(name=f"合同{n}", code=f"doc-{n}", kind="team")
        unit.path = f"/{unit.pk}/"
        unit.save(update_fields=["path"])
        return unit

    yield make
    unregister_approvable("org.orgunit")


def _shot(page, name: str) -> None:
    folder = os.environ.get("ZHIDU_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_approvals_badge_on_a_phone_updates_after_a_decision(phone_page, login, org, doc):
    page = phone_page
    first = submit(org.rep_a1, doc(), TWO_STEPS)
    submit(org.rep_a1, doc(), TWO_STEPS)
    login(page, org.tm_a)
    page.goto("/")
    # Folded away on a phone, the menu's button says something waits.
    dot = page.get_by_test_id("menu-to-do")
    expect(dot).to_be_visible()
    box = dot.bounding_box()
    assert box and box["x"] + box["width"] <= 390, box
    _shot(page, "nav-badge-phone-folded.png")
    page.get_by_test_id("menu-toggle").click()
    badge = page.get_by_test_id("nav-badge-approvals-inbox")
    expect(badge).to_have_attribute("data-count", "2")
    expect(badge.locator(".badge")).to_have_text("2")
    expect(badge.locator(".badge")).to_be_visible()
    box = badge.locator(".badge").bounding_box()
    assert box and box["x"] + box["width"] <= 390, box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px screen"
    _shot(page, "nav-badge-phone.png")

    # Decide on the request page (an htmx form): the badge drops without a reload.
    page.goto(reverse("approvals:detail", args=[first.pk]))
    page.get_by_test_id("menu-toggle").click()
    badge = page.get_by_test_id("nav-badge-approvals-inbox")
    expect(badge).to_have_attribute("data-count", "2")
    page.evaluate("document.body.dataset.probe = 'same page'")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("button[name=decision][value=approve]").click()
    expect(page.get_by_test_id("nav-badge-approvals-inbox")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("nav-badge-approvals-inbox").locator(".badge")).to_have_text("1")
    assert page.evaluate("document.body.dataset.probe") == "same page"  # no reload


def test_badges_leave_the_network_quiet_and_an_expired_session_goes_to_login_once(page, login, org, activity_types):
    from zhidu.customers.models import ActivityType
    from zhidu.customers.services.activities import activity_log
    from zhidu.customers.tests.pool_support import held

    c = held(org.rep_a1)
    activity_log(
        actor=org.rep_a1,
        customer=c,
        type=ActivityType.objects.get(code="call"),
        content="拜访了采购部王经理，确认了明年的采购计划与预算",
        outcome="progressed",
        next_step="发报价",
        next_date=timezone.localdate(),
        occurred_at=timezone.now() - dt.timedelta(days=1),
    )
    login(page, org.rep_a1)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/")
    expect(page.get_by_test_id("nav-badge-customers-my-day").locator(".badge")).to_have_text("1")
    expect(page.get_by_test_id("nav-badge-approvals-inbox")).to_have_attribute("data-count", "0")
    # The counts come with the page: no badge request on load, so the network goes idle.
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "/nav/badge/" in u], requests
    # An expired session: the next minute's poll sends the page to the login form once
    # (and back here afterwards); the login page has no menu, hence no more polls.
    page.context.clear_cookies()
    page.evaluate("htmx.trigger(document.body, 'approvals-changed')")
    page.wait_for_url("**/org/login/**")
    assert page.url.endswith("/org/login/?next=%2F"), page.url
    login_url = page.url
    page.wait_for_timeout(1500)
    assert page.url == login_url
    assert page.locator("[data-testid^=nav-badge]").count() == 0
