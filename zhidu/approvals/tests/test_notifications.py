"""Notifications go out after commit, through zhidu.notifications.services.notify."""

import sys
import types

import pytest

from zhidu.approvals.services import approval_approve, approval_cc_add, approval_return

from .conftest import flow, policy, step, submit


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def notify(*, recipients, event, title, body="", url="", obj=None):
        from zhidu.org.models import User

        names = sorted(User.objects.filter(pk__in=list(recipients)).values_list("username", flat=True))
        calls.append((event, names, title, url))

    fake = types.ModuleType("zhidu.notifications.services")
    fake.notify = notify
    monkeypatch.setitem(sys.modules, "zhidu.notifications.services", fake)
    return calls


POL = policy(flow("f", step("manager"), cc=[{"kind": "role_in_unit", "role": "finance", "unit": "company"}]))


def test_pending_decided_and_cc(org, make_doc, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = submit(org.rep_a1, make_doc(), POL, title="延期申请")
    assert sent == [("approval.pending", ["tm_a"], sent[0][2], f"/approvals/{req.pk}/")]
    assert "延期申请" in sent[0][2]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=org.tm_a, request=req)
    assert [(e, r) for e, r, _t, _u in sent] == [("approval.decided", ["rep_a1"]), ("approval.cc", ["finance"])]
    assert req.ccs.get().notified_at is not None


def test_return_tells_the_submitter_but_not_the_flow_copies(org, make_doc, sent, django_capture_on_commit_callbacks):
    req = submit(org.rep_a1, make_doc(), POL)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_return(actor=org.tm_a, request=req, comment="补充材料")
    assert [(e, r) for e, r, _t, _u in sent] == [("approval.decided", ["rep_a1"])]


def test_copies_added_later_are_told_at_once(org, make_doc, sent, django_capture_on_commit_callbacks):
    req = submit(org.rep_a1, make_doc(), POL)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_cc_add(actor=org.rep_a1, request=req, users=[org.gm])
    assert [(e, r) for e, r, _t, _u in sent] == [("approval.cc", ["gm"])]


def test_nothing_is_sent_when_the_decision_rolls_back(
    org, make_doc, sent, callbacks, django_capture_on_commit_callbacks
):
    req = submit(org.rep_a1, make_doc(), POL)
    sent.clear()
    callbacks.fail_on = "approved"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        approval_approve(actor=org.tm_a, request=req)
    assert sent == []


def test_events_are_registered_with_the_notifications_app():
    registry = pytest.importorskip("zhidu.notifications.registry")
    for key in ("approval.pending", "approval.decided", "approval.cc"):
        assert registry.find_event(key) is not None, key
