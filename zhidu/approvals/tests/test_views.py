"""Pages: inbox, my requests, copies, the request page and its htmx actions, delegation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from zhidu.approvals.choices import RequestStatus
from zhidu.approvals.models import ApprovalDelegation, ApprovalRequest
from zhidu.approvals.services import approval_approve, approval_cc_add

from .conftest import flow, policy, step, submit

TWO_STEPS = policy(flow("f", step("manager", level=1, name="L1"), step("manager", level=2, name="L2")))
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_inbox_lists_my_pending_tasks_with_counts(org, make_doc, as_user, django_assert_max_num_queries):
    for _ in range(5):
        submit(org.rep_a1, make_doc(), TWO_STEPS, amount="100")
    c = as_user(org.tm_a)
    with django_assert_max_num_queries(16):  # +2: the navigation badges
        resp = c.get(reverse("approvals:inbox"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count(reverse("approvals:detail", args=[ApprovalRequest.objects.first().pk])) == 1
    assert "unit doc-" in body  # the owning app's description
    assert resp.context["counts"]["waiting"] == 5
    assert len(resp.context["page"].items) == 5

    # htmx filter request answers with the table only
    resp = c.get(reverse("approvals:inbox"), {"q": "nothing-like-this"}, HTTP_HX_TARGET="approval-results", **HX)
    assert resp.status_code == 200
    assert "<html" not in resp.content.decode()
    assert resp.context["page"].items == []

    # rep_a2 has nothing waiting
    resp = as_user(org.rep_a2).get(reverse("approvals:inbox"))
    assert resp.context["page"].items == []


def test_badge_count(org, make_doc, as_user):
    submit(org.rep_a1, make_doc(), TWO_STEPS)
    resp = as_user(org.tm_a).get(reverse("approvals:badge"))
    assert 'data-approvals-count="1"' in resp.content.decode()
    resp = as_user(org.rep_a2).get(reverse("approvals:badge"))
    assert resp.content.decode().strip() == ""


def test_submitted_and_copied_lists(org, make_doc, as_user, django_assert_max_num_queries):
    reqs = [submit(org.rep_a1, make_doc(), TWO_STEPS) for _ in range(3)]
    approval_cc_add(actor=org.rep_a1, request=reqs[0], users=[org.finance])
    c = as_user(org.rep_a1)
    with django_assert_max_num_queries(16):  # +2: the navigation badges
        resp = c.get(reverse("approvals:submitted"))
    assert [r.pk for r in resp.context["page"].items] == [r.pk for r in reversed(reqs)]
    resp = c.get(reverse("approvals:submitted"), {"status": "approved"})
    assert resp.context["page"].items == []
    resp = c.get(reverse("approvals:submitted"), {"status": "bogus"})
    assert resp.status_code == 200 and resp.context["page"].items == []
    resp = as_user(org.finance).get(reverse("approvals:copied"))
    assert [r.pk for r in resp.context["page"].items] == [reqs[0].pk]


def test_detail_shows_history_and_only_my_buttons(org, make_doc, as_user, django_assert_max_num_queries):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    approval_approve(actor=org.tm_a, request=req, comment="同意，请区域经理定夺")
    c = as_user(org.rm_east)
    with django_assert_max_num_queries(27):  # +2: the navigation badges
        resp = c.get(reverse("approvals:detail", args=[req.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "同意，请区域经理定夺" in body and 'value="approve"' in body
    body = as_user(org.rep_a1).get(reverse("approvals:detail", args=[req.pk])).content.decode()
    assert 'value="approve"' not in body and "/withdraw/" in body
    # an outsider does not see it at all
    assert as_user(org.rep_c1).get(reverse("approvals:detail", args=[req.pk])).status_code == 404


def test_htmx_decision_updates_the_page(org, make_doc, as_user):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager"))))
    c = as_user(org.tm_a)
    url = reverse("approvals:act", args=[req.pk, "decide"])
    resp = c.post(url, {"decision": "return", "comment": ""}, **HX)
    assert resp.status_code == 200
    assert "A comment is required" in resp.content.decode() or "Say what" in resp.content.decode()
    assert ApprovalRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    resp = c.post(url, {"decision": "approve", "comment": "好"}, **HX)
    assert resp.status_code == 200
    assert 'id="request-body"' in resp.content.decode()
    assert ApprovalRequest.objects.get(pk=req.pk).status == RequestStatus.APPROVED
    # a second click is refused and says so
    resp = c.post(url, {"decision": "approve"}, **HX)
    assert "already closed" in resp.content.decode()


def test_non_htmx_actions_redirect(org, make_doc, as_user):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    c = as_user(org.rep_a1)
    resp = c.post(reverse("approvals:act", args=[req.pk, "withdraw"]), {"comment": "改一下"})
    assert resp.status_code == 302
    assert ApprovalRequest.objects.get(pk=req.pk).status == RequestStatus.WITHDRAWN
    resp = c.post(reverse("approvals:act", args=[req.pk, "resubmit"]), HTTP_HX_REQUEST="true")
    new = ApprovalRequest.objects.get(round=2)
    assert resp.status_code == 204 and resp["HX-Redirect"] == reverse("approvals:detail", args=[new.pk])
    # a non-approver posting a decision changes nothing
    resp = as_user(org.rm_east).post(reverse("approvals:act", args=[new.pk, "decide"]), {"decision": "approve"})
    assert resp.status_code == 302
    assert ApprovalRequest.objects.get(pk=new.pk).status == RequestStatus.PENDING


def test_reassign_and_add_approver_forms(org, make_doc, as_user):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager", mode="all"))))
    c = as_user(org.tm_a)
    c.post(reverse("approvals:act", args=[req.pk, "add-approver"]), {"user": org.finance.pk}, **HX)
    assert set(req.tasks.filter(status="pending").values_list("approver__username", flat=True)) == {"tm_a", "finance"}
    c.post(reverse("approvals:act", args=[req.pk, "reassign"]), {"user": org.tm_b.pk, "comment": "出差"}, **HX)
    assert set(req.tasks.filter(status="pending").values_list("approver__username", flat=True)) == {"tm_b", "finance"}


def test_delegation_page(org, as_user):
    c = as_user(org.tm_a)
    today = timezone.localdate()
    resp = c.get(reverse("approvals:delegations"))
    assert resp.status_code == 200 and "No delegations" in resp.content.decode()
    resp = c.post(
        reverse("approvals:delegations"),
        {"delegate": org.tm_b.pk, "valid_from": today, "valid_to": today + dt.timedelta(days=3), "reason": "休假"},
    )
    assert resp.status_code == 302
    d = ApprovalDelegation.objects.get()
    assert (d.user, d.delegate) == (org.tm_a, org.tm_b)
    resp = c.post(
        reverse("approvals:delegations"),
        {"delegate": org.tm_c.pk, "valid_from": today, "valid_to": today},
    )
    assert resp.status_code == 200 and ApprovalDelegation.objects.count() == 1  # overlap refused
    # the delegate sees it but cannot end it
    as_user(org.tm_b).post(reverse("approvals:delegation_end", args=[d.pk]))
    assert ApprovalDelegation.objects.get().revoked_at is None
    as_user(org.tm_a).post(reverse("approvals:delegation_end", args=[d.pk]))
    assert ApprovalDelegation.objects.get().revoked_at is not None
    assert as_user(org.rep_c1).post(reverse("approvals:delegation_end", args=[d.pk])).status_code == 404


def test_pages_need_sign_in(client, org):
    resp = client.get(reverse("approvals:inbox"))
    assert resp.status_code == 302


def test_pages_speak_chinese(org, make_doc, as_user, settings):
    from django.utils import translation

    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        body = as_user(org.tm_a).get(reverse("approvals:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = body.content.decode()
    assert "审批中" in text and "退回修改" in text and "审批记录" in text
