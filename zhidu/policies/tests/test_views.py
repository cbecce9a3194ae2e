import datetime as dt
import json

import pytest
from django.urls import reverse

from zhidu.audit.models import AuditEvent
from zhidu.policies.choices import VersionStatus
from zhidu.policies.models import PolicyClosure, PolicyVersion
from zhidu.policies.services import policy_draft_create


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def _state():
    return (
        list(PolicyVersion.objects.order_by("pk").values_list("pk", "status", "document", "effective_from")),
        AuditEvent.objects.count(),
        PolicyClosure.objects.count(),
    )


@pytest.mark.parametrize(
    "persona,status",
    [
        ("admin", 200),
        ("gm", 200),
        ("director", 200),
        ("rm_east", 200),
        ("finance", 200),
        ("tm_a", 403),
        ("rep_a1", 403),
        ("asst_a", 403),
    ],
)
def test_who_sees_the_policy_pages(client, org, demo_kind, persona, status):
    client.force_login(getattr(org, persona))
    assert client.get(reverse("policies:index")).status_code == status
    assert client.get(reverse("policies:kind", args=["demo_leads"])).status_code == status


def test_anonymous_goes_to_login(client, org):
    r = client.get(reverse("policies:index"))
    assert r.status_code == 302 and "login" in r["Location"]


def test_index_shows_kinds_with_their_clause(admin_client, org, demo_kind, publish, django_assert_max_num_queries):
    publish(max_leads_per_rep=40)
    publish(unit=org.east, max_leads_per_rep=41)
    with django_assert_max_num_queries(12):  # +2: the navigation badges
        html = admin_client.get(reverse("policies:index")).content.decode()
    assert "Demo lead rule" in html and "000 §1.3" in html and "demo_leads v1" in html


def test_kind_page_lists_versions_with_filters(admin_client, org, publish, django_assert_max_num_queries):
    for i in range(6):
        publish(
            unit=org.east if i % 2 else None, on=dt.date.today() + dt.timedelta(days=i + 1), max_leads_per_rep=10 + i
        )
    url = reverse("policies:kind", args=["demo_leads"])
    with django_assert_max_num_queries(14):  # +2: the navigation badges
        r = admin_client.get(url)
    assert r.status_code == 200
    assert r.content.decode().count("badge bg-green-lt") == 6
    r = admin_client.get(url, {"unit": org.east.pk}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "<html" not in html and html.count("华东大区") == 3


def test_unknown_kind_page_is_404(admin_client):
    assert admin_client.get(reverse("policies:kind", args=["nope"])).status_code == 404


def test_create_edit_check_publish_through_the_pages(admin_client, org, demo_kind):
    r = admin_client.post(reverse("policies:draft_create", args=["demo_leads"]), {"unit": org.east.pk})
    draft = PolicyVersion.objects.get(status=VersionStatus.DRAFT)
    assert r.status_code == 302 and r["Location"] == reverse("policies:draft_edit", args=[draft.pk])
    page = admin_client.get(r["Location"]).content.decode()
    assert "Most open leads one rep may hold." in page  # schema help beside the editor

    doc = {**draft.document, "max_leads_per_rep": 45}
    check = admin_client.post(
        reverse("policies:draft_check", args=[draft.pk]), {"document": json.dumps(doc)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "max_leads_per_rep" in check and "45" in check
    assert PolicyVersion.objects.get(pk=draft.pk).document["max_leads_per_rep"] == 30  # check saves nothing

    r = admin_client.post(reverse("policies:draft_edit", args=[draft.pk]), {"document": json.dumps(doc), "note": "n"})
    assert r.status_code == 302
    assert PolicyVersion.objects.get(pk=draft.pk).document["max_leads_per_rep"] == 45

    detail = admin_client.get(reverse("policies:version", args=[draft.pk])).content.decode()
    assert "max_leads_per_rep" in detail and "demo_leads · default" in detail

    today = dt.date.today()
    r = admin_client.post(reverse("policies:publish", args=[draft.pk]), {"effective_from": today.isoformat()})
    assert r.status_code == 302
    v = PolicyVersion.objects.get(pk=draft.pk)
    assert v.status == VersionStatus.PUBLISHED and v.published_by == org.admin


def test_invalid_json_and_invalid_values_show_errors_and_save_nothing(admin_client, org, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    url = reverse("policies:draft_edit", args=[draft.pk])
    r = admin_client.post(url, {"document": '{"max_leads_per_rep": 3,,}'})
    assert r.status_code == 422 and "JSON" in r.content.decode()
    r = admin_client.post(url, {"document": '{"max_leads_per_rep": -1, "tiers": [{"share": 5}]}'})
    html = r.content.decode()
    assert r.status_code == 422 and "document.max_leads_per_rep" in html and "document.tiers[0].share" in html
    check = admin_client.post(reverse("policies:draft_check", args=[draft.pk]), {"document": "[]"}).content.decode()
    assert "alert-danger" in check
    assert _state() == before


def test_publish_into_a_closed_period_changes_nothing(admin_client, org, demo_kind):
    today = dt.date.today()
    PolicyClosure.objects.create(closed_through=today - dt.timedelta(days=1))
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    r = admin_client.post(
        reverse("policies:publish", args=[draft.pk]),
        {"effective_from": (today - dt.timedelta(days=5)).isoformat(), "backdate": "on", "note": "x"},
        follow=True,
    )
    assert "closed" in r.content.decode() or "关闭" in r.content.decode()
    assert _state() == before


def test_editing_a_published_version_redirects(admin_client, publish):
    v = publish()
    r = admin_client.get(reverse("policies:draft_edit", args=[v.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("policies:version", args=[v.pk])
    before = _state()
    admin_client.post(reverse("policies:draft_edit", args=[v.pk]), {"document": "{}"})
    admin_client.post(reverse("policies:publish", args=[v.pk]), {"effective_from": dt.date.today().isoformat()})
    assert _state() == before


def test_discard_and_retire_through_the_pages(admin_client, org, publish, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    admin_client.post(reverse("policies:discard", args=[draft.pk]))
    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()
    v = publish(on=dt.date.today() + dt.timedelta(days=9))
    admin_client.post(reverse("policies:retire", args=[v.pk]), {"reason": ""})
    assert PolicyVersion.objects.get(pk=v.pk).status == VersionStatus.PUBLISHED
    admin_client.post(reverse("policies:retire", args=[v.pk]), {"reason": "wrong numbers"})
    assert PolicyVersion.objects.get(pk=v.pk).status == VersionStatus.RETIRED


def test_close_a_period_through_the_page(admin_client, org):
    d = dt.date.today() - dt.timedelta(days=1)
    admin_client.post(reverse("policies:closure_create"), {"kind": "", "closed_through": d.isoformat(), "note": "Oct"})
    assert PolicyClosure.objects.get().closed_through == d


@pytest.mark.parametrize("persona", ["rm_east", "finance", "rep_a1"])
def test_viewers_cannot_write_through_the_pages(client, org, demo_kind, persona):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    client.force_login(getattr(org, persona))
    before = _state()
    assert client.post(reverse("policies:draft_create", args=["demo_leads"]), {"unit": org.west.pk}).status_code == 403
    assert client.post(reverse("policies:draft_edit", args=[draft.pk]), {"document": "{}"}).status_code == 403
    assert (
        client.post(reverse("policies:publish", args=[draft.pk]), {"effective_from": "2030-01-01"}).status_code == 403
    )
    assert client.post(reverse("policies:discard", args=[draft.pk])).status_code == 403
    assert _state() == before
