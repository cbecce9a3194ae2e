"""Follow-up pages: log with attachments, the list (query count), one follow-up with
comments, the check-in page (phone camera input, static script, no inline script), the
overdue list, the customer-page panel with the development plan, activity-type admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zhidu.customers.models import Activity, ActivityComment, ActivityType, DevelopmentPlan, DevelopmentStep
from zhidu.customers.services import activities as svc

from .pool_support import held

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded attachments and photos go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


GOOD = "拜访了采购部王经理，确认了明年的采购计划与预算"


def _call():
    return ActivityType.objects.get(code="call")


def test_log_a_follow_up_with_an_attachment(org, client):
    c = held(org.rep_a1)
    client.force_login(org.rep_a1)
    url = reverse("customers:activity_create", args=[c.pk])
    r = client.get(url)
    assert r.status_code == 200 and 'enctype="multipart/form-data"' in r.content.decode()
    f = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4", content_type="application/pdf")
    r = client.post(
        url,
        {
            "type": "call",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "content": GOOD,
            "outcome": "progressed",
            "attachments": [f],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    a = Activity.objects.get()
    assert a.is_valid and a.attachments.get().name == "纪要.pdf"


def test_log_refusal_is_shown_on_the_form(org, client):
    c = held(org.rep_a1)
    client.force_login(org.rep_a1)
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("customers:activity_create", args=[c.pk]),
        {"type": "call", "occurred_at": future, "content": GOOD, "outcome": "progressed"},
    )
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    assert not Activity.objects.exists()
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:activity_create", args=[c.pk])).status_code == 404


def test_activity_list_and_query_count(org, client, django_assert_max_num_queries):
    customers = [held(org.rep_a1) for _ in range(5)]
    for c in customers:
        for _ in range(5):
            svc.activity_log(actor=org.rep_a1, customer=c, type=_call(), content=GOOD, outcome="progressed")
    client.force_login(org.tm_a)
    with django_assert_max_num_queries(20):
        r = client.get(reverse("customers:activity_list"))
    assert r.status_code == 200 and r.content.decode().count('data-testid="activity-row"') == 25
    client.force_login(org.rep_a2)
    assert 'data-testid="activity-row"' not in client.get(reverse("customers:activity_list")).content.decode()
    r = client.get(reverse("customers:activity_list"), {"valid": "true"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode()


def test_activity_page_and_comment(org, client):
    a = svc.activity_log(actor=org.rep_a1, customer=held(org.rep_a1), type=_call(), content=GOOD, outcome="progressed")
    client.force_login(org.rep_a1)
    r = client.get(reverse("customers:activity_detail", args=[a.pk]))
    assert r.status_code == 200 and 'action="/customers/activities/' not in r.content.decode()  # no comment form
    client.force_login(org.tm_a)
    r = client.get(reverse("customers:activity_detail", args=[a.pk]))
    assert reverse("customers:activity_comment", args=[a.pk]) in r.content.decode()
    r = client.post(reverse("customers:activity_comment", args=[a.pk]), {"content": "注意回款条件"})
    assert r.status_code == 302 and ActivityComment.objects.get().content == "注意回款条件"
    client.force_login(org.rep_b1)
    assert client.get(reverse("customers:activity_detail", args=[a.pk])).status_code == 404


def test_check_in_page_for_a_phone(org, client):
    c = held(org.rep_a1, latitude="31.235500", longitude="121.501300")
    client.force_login(org.rep_a1)
    url = reverse("customers:check_in", args=[c.pk])
    r = client.get(url)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert "customers/checkin.js" in html and "data-checkin" in html
    assert "<script>" not in html and ' style="' not in html and "hx-on" not in html
    photo = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff\xe0fake", content_type="image/jpeg")
    r = client.post(
        url,
        {
            "latitude": "31.2600",
            "longitude": "121.5013",
            "accuracy_m": "15",
            "client_time": timezone.now().isoformat(),
            "photo": photo,
            "content": GOOD,
            "outcome": "progressed",
        },
    )
    assert r.status_code == 302
    a = Activity.objects.get()
    assert a.check_in.flagged and not a.is_valid
    r = client.get(reverse("customers:activity_detail", args=[a.pk]))
    assert "flagged" in r.content.decode() or "已标记" in r.content.decode()


def test_overdue_page(org, client, django_assert_max_num_queries):
    for _ in range(10):
        held(org.rep_a1, received=timezone.now() - dt.timedelta(days=40), tier="C")
    held(org.rep_a1, received=timezone.now() - dt.timedelta(days=10), tier="C")
    client.force_login(org.tm_a)
    with django_assert_max_num_queries(20):
        r = client.get(reverse("customers:activity_overdue"))
    assert r.status_code == 200 and r.content.decode().count('data-testid="overdue-row"') == 10
    client.force_login(org.rep_c1)
    assert 'data-testid="overdue-row"' not in client.get(reverse("customers:activity_overdue")).content.decode()


def test_customer_page_panel_and_development_plan(org, client):
    c = held(org.rep_a1)
    svc.activity_log(actor=org.rep_a1, customer=c, type=_call(), content=GOOD, outcome="progressed")
    client.force_login(org.rep_a1)
    r = client.get(reverse("customers:activities_panel", args=[c.pk]), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and GOOD in html and 'data-testid="plan-form"' in html
    r = client.post(reverse("customers:plan_create", args=[c.pk]), {"title": "年内签约", "goal": "首单"})
    assert r.status_code == 302
    plan = DevelopmentPlan.objects.get()
    r = client.post(reverse("customers:step_add", args=[plan.pk]), {"title": "技术交流", "due_date": "2099-01-01"})
    step = DevelopmentStep.objects.get()
    assert step.owner_id == org.rep_a1.pk
    client.post(reverse("customers:step_done", args=[step.pk]), {"done": "1"})
    assert DevelopmentStep.objects.get().done_at is not None
    # A peer sees nothing.
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:activities_panel", args=[c.pk])).status_code == 404
    client.post(reverse("customers:plan_create", args=[c.pk]), {"title": "抢单"})
    assert DevelopmentPlan.objects.count() == 1


def test_activity_type_admin(org, client):
    client.force_login(org.rep_a1)
    assert client.get(reverse("customers:activity_types")).status_code == 403
    client.force_login(org.director)
    r = client.get(reverse("customers:activity_types"))
    assert r.status_code == 200 and "客户来访" in r.content.decode()
    r = client.post(
        reverse("customers:activity_type_create"),
        {
            "code": "demo",
            "name": "产品演示",
            "name_en": "Demo",
            "counts_as_valid": "on",
            "is_active": "on",
            "sort_order": 5,
        },
    )
    assert r.status_code == 302
    demo = ActivityType.objects.get(code="demo")
    r = client.post(
        reverse("customers:activity_type_edit", args=[demo.pk]),
        {"code": "changed", "name": "演示", "name_en": "Demo", "sort_order": 5},
    )
    assert r.status_code == 302
    demo.refresh_from_db()
    assert demo.code == "demo" and demo.name == "演示" and not demo.is_active
    first = ActivityType.objects.order_by("sort_order", "code").first()
    client.post(reverse("customers:activity_type_move", args=[first.pk]), {"direction": "down"})
    assert ActivityType.objects.order_by("sort_order", "code").first() != first


def test_the_customer_page_carries_the_panel_and_the_actions(org, client):
    from zhidu.customers.services import pool as pool_svc

    c = held(org.rep_a1)
    client.force_login(org.rep_a1)
    html = client.get(reverse("customers:customer_detail", args=[c.pk])).content.decode()
    assert 'data-testid="activities-panel"' in html
    assert reverse("customers:activities_panel", args=[c.pk]) in html
    assert 'data-testid="check-in-action"' in html and 'data-testid="release-action"' in html
    pool_svc.customer_release(actor=org.rep_a1, customer=c, reason="无需求")
    client.force_login(org.rep_a2)
    html = client.get(reverse("customers:customer_detail", args=[c.pk])).content.decode()
    assert 'data-testid="claim-action"' in html and 'data-testid="release-action"' not in html


def test_attachments_and_photos_are_served_only_to_those_who_see_the_follow_up(org, client):
    c = held(org.rep_a1, latitude="31.235500", longitude="121.501300")
    f = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    a = svc.activity_log(
        actor=org.rep_a1, customer=c, type=_call(), content=GOOD, outcome="progressed", attachments=[f]
    )
    att = a.attachments.get()
    photo = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff\xe0jpeg", content_type="image/jpeg")
    visit = svc.visit_check_in(actor=org.rep_a1, customer=c, latitude=31.2356, longitude=121.5013, photo=photo)
    client.force_login(org.rep_a1)
    r = client.get(reverse("customers:activity_attachment", args=[a.pk, att.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 quote"
    assert "attachment" in r["Content-Disposition"] and r["Cache-Control"] == "private, no-store"
    r = client.get(reverse("customers:check_in_photo", args=[visit.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"\xff\xd8\xff\xe0jpeg"
    client.force_login(org.tm_a)
    assert client.get(reverse("customers:activity_attachment", args=[a.pk, att.pk])).status_code == 200
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:activity_attachment", args=[a.pk, att.pk])).status_code == 404
    assert client.get(reverse("customers:check_in_photo", args=[visit.pk])).status_code == 404
    assert client.get(reverse("customers:check_in_photo", args=[a.pk])).status_code == 404
