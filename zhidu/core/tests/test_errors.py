"""Friendly 403/404/500 pages with DEBUG off; the API answers with its JSON error shape."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from zhidu.core.views import error_500

pytestmark = [pytest.mark.django_db, pytest.mark.urls("zhidu.core.tests.urls_errors")]


@pytest.fixture(autouse=True)
def no_debug(settings):
    settings.DEBUG = False


def _html(response) -> str:
    html = response.content.decode()
    assert "<script>" not in html  # CSP: only src= scripts and json_script data
    return html


def test_404_page_for_a_signed_in_user_keeps_the_shell(client, org):
    client.force_login(org.rep_a1)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = _html(response)
    assert 'data-status="404"' in html
    assert "This page does not exist" in html
    assert 'data-testid="nav"' in html


def test_404_page_in_chinese(client, org):
    client.force_login(org.rep_a1)
    client.cookies["django_language"] = "zh-hans"
    html = _html(client.get("/no-such-page/"))
    assert "页面不存在" in html
    assert '<html lang="zh-hans">' in html


def test_404_for_anonymous_visitors(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "This page does not exist" in _html(response)


def test_403_page(client, org):
    client.force_login(org.rep_a1)
    response = client.get("/test-errors/403/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = _html(response)
    assert 'data-status="403"' in html
    assert "You may not open this page" in html


def test_500_page(org):
    client = Client(raise_request_exception=False)
    client.force_login(org.rep_a1)
    response = client.get("/test-errors/500/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    html = _html(response)
    assert 'data-status="500"' in html
    assert "Something went wrong on our side" in html
    assert response["X-Request-ID"] in html  # the reference to quote to an administrator


def test_500_page_needs_no_database(rf: RequestFactory, django_assert_num_queries):
    request = rf.get("/somewhere/")
    with django_assert_num_queries(0):
        response = error_500(request)
    assert response.status_code == 500
    assert b'data-status="500"' in response.content


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/api/v1/no-such-endpoint", 404, "not_found"), ("/api/v1/test-errors/500/", 500, "server_error")],
)
def test_api_errors_are_json(path, status, code):
    client = Client(raise_request_exception=False)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"] and body["fields"] == {}


def test_stale_form_gets_a_friendly_page_and_changes_nothing(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep_a1)
    client.cookies["django_language"] = "en"
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = _html(response)
    assert "The form expired" in html
    assert client.cookies["django_language"].value == "en"
