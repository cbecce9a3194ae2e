"""Screenshots of the dashboard as people see it, for review and for the README.

Skipped unless ``ZHIDU_SCREENSHOTS`` names a folder::

    ZHIDU_SCREENSHOTS=var/shots pytest -p no:xdist -m browser tests/browser/test_screenshots.py

With ``ZHIDU_SCREENSHOTS_DEMO=1`` the demo company (``zhidu demo --size small --seed 1``) is
loaded first and its administrator signs in, so the charts show a realistic company; the
README's docs/img/dashboard.png is ``dashboard-desktop.png`` from such a run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("ZHIDU_SCREENSHOTS")


@pytest.fixture
def shots_dir() -> Path:
    if not SHOTS:
        pytest.skip("set ZHIDU_SCREENSHOTS to a folder to take screenshots")
    path = Path(SHOTS)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def viewer(shots_dir):
    if os.environ.get("ZHIDU_SCREENSHOTS_DEMO") == "1":
        from django.core.management import call_command

        from zhidu.org.models import User

        call_command("demo", size="small", seed=1, verbosity=0)
        return User.objects.get(username="admin")
    from zhidu.org.tests.factories import build_org

    return build_org()["admin"]


def _whole_page(page, path: Path) -> None:
    """Grow the viewport to the page's height so the fixed sidebar spans the image too."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 600)})
    page.wait_for_timeout(500)  # charts resize and finish their animation
    page.screenshot(path=str(path))


@pytest.mark.parametrize(
    ("name", "viewport", "lang"),
    [("desktop", DESKTOP, "zh-hans"), ("phone", PHONE, "zh-hans"), ("desktop-en", DESKTOP, "en")],
)
def test_dashboard_screenshot(new_page, login, viewer, shots_dir, name, viewport, lang):
    page = new_page(viewport=viewport)
    login(page, viewer)
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.zhidu_base_url}])
    page.goto("/")
    expect(page.locator("#chart-people-by-role canvas").first).to_be_visible()
    page.wait_for_timeout(800)
    if viewport == PHONE:
        page.screenshot(path=str(shots_dir / f"dashboard-{name}-top.png"))
        page.get_by_test_id("menu-toggle").click()
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots_dir / f"dashboard-{name}-menu.png"))
        page.get_by_test_id("menu-toggle").click()
        page.wait_for_timeout(500)
    _whole_page(page, shots_dir / f"dashboard-{name}.png")
