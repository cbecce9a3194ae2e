"""Screenshots of the customer pages with the demo company, in Chinese, for review: the
customer list, a customer page, my day and the public pool at desktop and 390 px, and the
director's dashboard (the README's docs/img/dashboard.png is ``dashboard-director.png``).

Skipped unless ``ZHIDU_SCREENSHOTS`` names a folder::

    ZHIDU_SCREENSHOTS=var/shots DJANGO_ALLOW_ASYNC_UNSAFE=true \\
        .venv/bin/python -m pytest -p no:xdist -m browser tests/browser/test_customers_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db.models import Count
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("ZHIDU_SCREENSHOTS")


@pytest.fixture
def demo(tmp_path, settings, activity_types):
    if not SHOTS:
        pytest.skip("set ZHIDU_SCREENSHOTS to a folder to take screenshots")
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.management import call_command

    call_command("demo", size="small", seed=1, verbosity=0)
    path = Path(SHOTS)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shoot(page, path: Path, full: bool = True) -> None:
    page.wait_for_timeout(600)  # charts finish their animation
    page.screenshot(path=str(path), full_page=full)


def _chinese(page) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.zhidu_base_url}])


def test_customer_pages(new_page, login, demo):
    from zhidu.customers.models import Customer
    from zhidu.org.choices import Role
    from zhidu.org.models import User

    rep = User.objects.filter(posts__role=Role.REP).order_by("pk").first()
    busiest = Customer.objects.filter(owner=rep).annotate(n=Count("activities")).order_by("-n", "pk").first()
    pages = {
        "customer-list": "/customers/",
        "customer": f"/customers/{busiest.pk}/",
        "my-day": "/customers/my-day/",
        "pool": "/customers/pool/",
    }
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport)
        login(page, rep)
        _chinese(page)
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, url
            _shoot(page, demo / f"{name}-{label}.png")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{url} is {width}px wide at {viewport['width']}px"


def test_director_dashboard(new_page, login, demo):
    from zhidu.org.choices import Role
    from zhidu.org.models import User

    director = User.objects.get(posts__role=Role.DIRECTOR)
    page = new_page(viewport=DESKTOP)
    login(page, director)
    _chinese(page)
    page.goto("/")
    charts = (
        "chart-people-by-role",
        "chart-customers-by-status",
        "chart-customers-new-per-week",
        "chart-customers-follow-ups-week",
    )
    for chart in charts:
        expect(page.locator(f"#{chart} canvas").first).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": DESKTOP["width"], "height": max(height, 600)})
    _shoot(page, demo / "dashboard-director.png", full=False)
