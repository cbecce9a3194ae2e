"""Real-browser fixtures: Playwright's sync API driving Debian's chromium (never
``playwright install``), a page that fails its test on any CSP violation or JavaScript
error, and ``login(page, user)``.

Run: ``DJANGO_ALLOW_ASYNC_UNSAFE=true pytest -p no:xdist -m browser tests/browser``
(``scripts/run-tests.sh`` does). ``ZHIDU_CHROMIUM`` names another chromium binary;
``ZHIDU_BROWSER_SLOW_MS`` slows every action down for watching a headed run."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Runs in every document before its own scripts (added through the DevTools protocol, so
# it is not an inline page script and the CSP does not apply to it).
WATCH_SCRIPT = """
(() => {
  const report = (kind, detail) => {
    try { window.__zhiduReport(JSON.stringify({kind, detail, url: location.href})); } catch (e) {}
  };
  document.addEventListener('securitypolicyviolation', (e) => report('csp', {
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample,
  }));
  window.addEventListener('error', (e) => report('error', {message: e.message, source: e.filename, line: e.lineno}));
  window.addEventListener('unhandledrejection', (e) => report('error', {message: String(e.reason)}));
})();
"""


HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    # Everything in this folder needs the browser, marked or not (this hook sees every
    # collected item of the session, so look only at ours).
    for item in items:
        if str(item.path).startswith(HERE + os.sep) and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)


@dataclass
class BrowserProblems:
    """What went wrong in the browser during one test. ``allow(pattern)`` accepts
    console errors the test provokes on purpose (a 404 page logs one)."""

    csp: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected_console(self) -> list[str]:
        return [m for m in self.console if not any(p.search(m) for p in self.allowed)]

    def assert_clean(self) -> None:
        problems = []
        if self.csp:
            problems.append("CSP violations: " + json.dumps(self.csp, ensure_ascii=False, indent=1))
        if self.errors:
            problems.append("JavaScript errors: " + "\n".join(self.errors))
        console = self.unexpected_console()
        if console:
            problems.append("console errors: " + "\n".join(console))
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("ZHIDU_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"chromium not found at {executable}: run scripts/ensure-chromium.sh or set ZHIDU_CHROMIUM")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=CHROMIUM_ARGS,
            slow_mo=float(os.environ.get("ZHIDU_BROWSER_SLOW_MS", 0)),
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_problems():
    return BrowserProblems()


def _watch(context, problems: BrowserProblems) -> None:
    def report(source, payload):
        data = json.loads(payload)
        if data["kind"] == "csp":
            problems.csp.append({**data["detail"], "page": data["url"]})
        else:
            problems.errors.append(f"{data['url']}: {data['detail']}")

    context.expose_binding("__zhiduReport", report)
    context.add_init_script(WATCH_SCRIPT)

    def on_page(page):
        def on_console(msg):
            if msg.type == "error":
                text = msg.text
                loc = msg.location or {}
                entry = f"{loc.get('url', '')}: {text}"
                # Chromium reports CSP refusals on the console as well as by event.
                if "Content Security Policy" in text:
                    problems.csp.append({"console": entry})
                else:
                    problems.console.append(entry)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.errors.append(f"{page.url}: {exc}"))

    context.on("page", on_page)


@pytest.fixture
def new_page(browser, live_server, browser_problems):
    """``new_page(viewport=PHONE)`` opens a fresh context and page watched for CSP
    violations and JavaScript errors; the test fails at teardown if any happened."""
    contexts = []

    def make(viewport=None, locale="zh-CN"):
        context = browser.new_context(viewport=viewport or DESKTOP, locale=locale, base_url=live_server.url)
        context.set_default_timeout(10_000)
        _watch(context, browser_problems)
        contexts.append(context)
        page = context.new_page()
        page.zhidu_base_url = live_server.url
        return page

    yield make
    for context in contexts:
        context.close()
    browser_problems.assert_clean()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(viewport=PHONE)


def sign_in(page, user) -> None:
    """Signs ``user`` in by creating a session server-side (``Client.force_login``) and
    handing its cookie to the browser: fast, and independent of the login form (which
    has its own test in test_shell_browser.py)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.zhidu_base_url}]
    )


@pytest.fixture
def login():
    """``login(page, user)``: see :func:`sign_in`."""
    return sign_in


@pytest.fixture
def signed_in(new_page):
    """``signed_in(user, viewport=PHONE, geolocation={...})``: a fresh watched page signed
    in as ``user`` (see :func:`sign_in`); with ``geolocation`` the browser is granted
    location access and reports that position (``latitude``, ``longitude``, ``accuracy``)."""

    def make(user, viewport=None, geolocation=None):
        page = new_page(viewport=viewport)
        if geolocation is not None:
            page.context.grant_permissions(["geolocation"])
            page.context.set_geolocation(geolocation)
        sign_in(page, user)
        return page

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded attachments and photos go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def activity_types(db):
    """Transactional tests flush the rows the data migration seeded: seed them again."""
    import importlib

    from zhidu.customers.models import ActivityType

    seed = importlib.import_module("zhidu.customers.migrations.0002_seed_activity_types")
    for order, (code, name, name_en, valid, check_in) in enumerate(seed.TYPES, start=1):
        ActivityType.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "counts_as_valid": valid, "requires_check_in": check_in,
                "sort_order": order * 10,
            },
        )  # fmt: skip
