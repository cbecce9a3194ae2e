"""Two approvers of a 或签 step, or a double click, released together: one decision."""

import threading

import pytest
from django.db import close_old_connections, connection

from zhidu.approvals.choices import RequestStatus, StepStatus, TaskStatus
from zhidu.approvals.models import ApprovalRequest, ApprovalTask
from zhidu.approvals.services import approval_approve, approval_reject
from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict

from .conftest import flow, policy, step, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests run on PostgreSQL")


def _race(calls):
    """Run each call in its own thread, released together; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    close_old_connections()
    return results, errors


def test_two_approvers_of_an_any_step_make_one_decision(org, make_doc, callbacks):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("users", usernames=["tm_a", "tm_b"], mode="any"))))
    results, errors = _race(
        [
            lambda: approval_approve(actor=org.tm_a, request=req),
            lambda: approval_reject(actor=org.tm_b, request=req, comment="不同意"),
        ]
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    req = ApprovalRequest.objects.get(pk=req.pk)
    assert req.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    decided = ApprovalTask.objects.filter(request=req, status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
    assert decided.count() == 1
    assert req.steps.get().status in (StepStatus.APPROVED, StepStatus.REJECTED)
    assert len(callbacks.calls) == 1
    assert AuditEvent.objects.filter(action__in=["approval.approve", "approval.reject"]).count() == 1


def test_a_double_click_records_one_approval(org, make_doc, callbacks):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager"), step("users", usernames=["gm"]))))
    results, errors = _race([lambda: approval_approve(actor=org.tm_a, request=req)] * 2)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert ApprovalTask.objects.filter(request=req, status=TaskStatus.APPROVED).count() == 1
    # The next step started exactly once.
    assert ApprovalTask.objects.filter(request=req, approver=org.gm).count() == 1
    assert AuditEvent.objects.filter(action="approval.approve").count() == 1


def test_two_approvers_of_an_all_step_both_count(org, make_doc, callbacks):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("users", usernames=["tm_a", "tm_b"], mode="all"))))
    results, errors = _race(
        [
            lambda: approval_approve(actor=org.tm_a, request=req),
            lambda: approval_approve(actor=org.tm_b, request=req),
        ]
    )
    assert errors == [] and len(results) == 2
    req = ApprovalRequest.objects.get(pk=req.pk)
    assert req.status == RequestStatus.APPROVED  # neither missed the other's approval
    assert callbacks.calls == [("approved", req.pk, int(req.object_id))]
