"""``/api/v1/customers/activities…`` and ``/my-day``: log, list, detail, comment, check-in
(multipart), types, overdue, my day; refusals in the ``{code, message, fields}`` shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhidu.customers.models import Activity, ActivityComment, Customer
from zhidu.customers.services import activities as svc

from .pool_support import held

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded attachments and photos go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


BASE = "/api/v1/customers/"
GOOD = "拜访了采购部王经理，确认了明年的采购计划与预算"


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_log_list_and_detail(org, as_user):
    c = held(org.rep_a1)
    api = as_user(org.rep_a1)
    r = api.post(
        f"{BASE}activities",
        {"customer_id": c.pk, "type": "call", "content": GOOD, "outcome": "progressed", "next_date": "2099-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["is_valid"] and body["type"] == "call" and body["customer_name"] == c.name
    assert body["policy_ref"] == "follow_up · default" and body["check_in"] is None
    items = api.get(f"{BASE}activities", {"customer": c.pk}).json()["items"]
    assert [i["id"] for i in items] == [body["id"]]
    assert api.get(f"{BASE}activities", {"valid": "false"}).json()["items"] == []
    detail = api.get(f"{BASE}activities/{body['id']}").json()
    assert detail["comments"] == [] and detail["attachments"] == []
    assert Customer.objects.get(pk=c.pk).last_valid_follow_up_at is not None


def test_log_refusals_have_the_error_shape_and_write_nothing(org, as_user):
    c = held(org.rep_a1)
    api = as_user(org.rep_a1)
    r = api.post(
        f"{BASE}activities", {"customer_id": c.pk, "type": "nope", "content": GOOD}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid" and "type" in r.json()["fields"]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = api.post(
        f"{BASE}activities",
        {"customer_id": c.pk, "type": "call", "content": GOOD, "occurred_at": future},
        content_type="application/json",
    )
    assert r.status_code == 422 and "occurred_at" in r.json()["fields"]
    r = as_user(org.rep_a2).post(
        f"{BASE}activities", {"customer_id": c.pk, "type": "call", "content": GOOD}, content_type="application/json"
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = as_user(org.finance).post(
        f"{BASE}activities", {"customer_id": c.pk, "type": "call", "content": GOOD}, content_type="application/json"
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not Activity.objects.exists()


def test_manager_comments_and_rep_is_refused(org, as_user):
    c = held(org.rep_a1)
    a = svc.activity_log(actor=org.rep_a1, customer=c, type=_call(), content=GOOD, outcome="progressed")
    r = as_user(org.tm_a).post(
        f"{BASE}activities/{a.pk}/comments", {"content": "很好"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["author_id"] == org.tm_a.pk
    r = as_user(org.rep_a1).post(
        f"{BASE}activities/{a.pk}/comments", {"content": "自夸"}, content_type="application/json"
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = as_user(org.rep_a2).post(f"{BASE}activities/{a.pk}/comments", {"content": "x"}, content_type="application/json")
    assert r.status_code == 404
    assert ActivityComment.objects.count() == 1
    detail = as_user(org.rep_a1).get(f"{BASE}activities/{a.pk}").json()
    assert [x["content"] for x in detail["comments"]] == ["很好"]


def _call():
    from zhidu.customers.models import ActivityType

    return ActivityType.objects.get(code="call")


def test_check_in_multipart(org, as_user):
    c = held(org.rep_a1, latitude="31.235500", longitude="121.501300")
    api = as_user(org.rep_a1)
    photo = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff\xe0fake", content_type="image/jpeg")
    r = api.post(
        f"{BASE}activities/check-in",
        {
            "customer_id": c.pk,
            "latitude": "31.236000",
            "longitude": "121.501300",
            "accuracy_m": "18.5",
            "client_time": timezone.now().isoformat(),
            "content": GOOD,
            "outcome": "progressed",
            "photo": photo,
        },
    )
    assert r.status_code == 201, r.content
    ci = r.json()["check_in"]
    assert not ci["flagged"], ci["flag_reason"]
    assert ci["has_photo"] and 50 <= ci["distance_m"] <= 60 and ci["accuracy_m"] == 18
    assert r.json()["is_valid"] and r.json()["type"] == "visit"
    # No position: flagged, not valid.
    r = api.post(
        f"{BASE}activities/check-in",
        {"customer_id": c.pk, "content": GOOD, "outcome": "progressed"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 201
    assert r.json()["check_in"]["flagged"] and not r.json()["is_valid"]
    assert "no location" in r.json()["check_in"]["flag_reason"]


def test_types_overdue_and_my_day(org, as_user):
    with_due = held(org.rep_a1, received=timezone.now() - dt.timedelta(days=40), tier="C")
    svc.activity_log(
        actor=org.rep_a1, customer=held(org.rep_a1), type=_call(), content=GOOD, outcome="progressed",
        next_step="发报价", next_date=timezone.localdate(),
    )  # fmt: skip
    api = as_user(org.rep_a1)
    codes = [t["code"] for t in api.get(f"{BASE}activities/types").json()]
    assert codes[:3] == ["call", "visit", "customer_visit"]
    overdue = api.get(f"{BASE}activities/overdue").json()["items"]
    assert [o["customer_id"] for o in overdue] == [with_due.pk]
    assert overdue[0]["frequency_days"] == 30 and overdue[0]["days_over"] == 10
    day = api.get(f"{BASE}my-day").json()
    assert [d["detail"] for d in day["due"]] == ["发报价"]
    assert [d["customer_id"] for d in day["overdue"]] == [with_due.pk]
    assert as_user(org.rep_a2).get(f"{BASE}activities/overdue").json()["items"] == []
    assert [o["customer_id"] for o in as_user(org.tm_a).get(f"{BASE}activities/overdue").json()["items"]] == [
        with_due.pk
    ]


def test_activity_list_query_count(org, as_user, django_assert_max_num_queries):
    c = held(org.rep_a1)
    for _ in range(30):
        svc.activity_log(actor=org.rep_a1, customer=c, type=_call(), content=GOOD, outcome="progressed")
    api = as_user(org.tm_a)
    with django_assert_max_num_queries(12):
        r = api.get(f"{BASE}activities", {"page_size": 30})
    assert len(r.json()["items"]) == 30
