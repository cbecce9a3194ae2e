"""Background polls (badges, progress bars) must not keep an idle session alive."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Pretend the last real activity was an hour ago.
    old = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(hours=1)
    Session.objects.filter(session_key=key).update(expire_date=old)
    return key, old


@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("notifications:badge"),
        lambda: reverse("approvals:badge"),
        lambda: reverse("core:nav_badge", args=["approvals:inbox"]),
    ],
    ids=["notifications", "approvals", "nav"],
)
def test_a_poll_does_not_extend_the_session(client, org, url):
    key, old = _signed_in(client, org.rep_a1)
    response = client.get(url(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == old


def test_a_page_view_extends_the_session(client, org):
    key, old = _signed_in(client, org.rep_a1)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == key
    assert Session.objects.get(session_key=key).expire_date > old + timedelta(minutes=59)


def test_an_expired_session_is_not_revived_by_a_poll(client, org):
    key, _ = _signed_in(client, org.rep_a1)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("notifications:badge"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("org:login"))
    assert not Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()
