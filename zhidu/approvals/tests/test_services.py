"""The approval actions: exact outcomes, refusals that change nothing."""

import datetime as dt

import pytest
from django.test.utils import isolate_apps
from django.utils import timezone

from zhidu.approvals.choices import RequestStatus, StepStatus, TaskSource, TaskStatus
from zhidu.approvals.models import ApprovalDelegation, ApprovalRequest, ApprovalStep, ApprovalTask
from zhidu.approvals.services import (
    approval_add_approver,
    approval_approve,
    approval_cc_add,
    approval_decide,
    approval_delegation_create,
    approval_delegation_end,
    approval_guard_editable,
    approval_reassign,
    approval_reject,
    approval_resubmit,
    approval_return,
    approval_withdraw,
)
from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, PermissionDenied, ValidationError
from zhidu.org.models import OrgUnit

from .conftest import flow, policy, step, submit

TWO_STEPS = policy(flow("f", step("manager", level=1, name="L1"), step("manager", level=2, name="L2")))


def state(req):
    """Everything a decision could change, to compare before and after a refusal."""
    req = ApprovalRequest.objects.get(pk=req.pk)
    return (
        req.status,
        req.decided_at,
        list(ApprovalStep.objects.filter(request=req).order_by("order").values_list("status", "decided_at")),
        list(ApprovalTask.objects.filter(request=req).order_by("id").values_list("approver_id", "status", "comment")),
        AuditEvent.objects.count(),
    )


def pending_of(req):
    return set(
        ApprovalTask.objects.filter(request=req, status=TaskStatus.PENDING).values_list("approver_id", flat=True)
    )


def test_two_step_flow_runs_to_approval(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.rep_a1, doc, TWO_STEPS, amount="1200.50")
    assert req.status == RequestStatus.PENDING and req.round == 1
    assert req.snapshot == {"name": doc.name, "code": doc.code} and len(req.snapshot_hash) == 64
    assert req.policy_ref == "given"
    assert pending_of(req) == {org.tm_a.pk}
    assert list(req.steps.values_list("status", flat=True)) == [StepStatus.PENDING, StepStatus.WAITING]

    approval_approve(actor=org.tm_a, request=req, comment="同意")
    assert pending_of(req) == {org.rm_east.pk}
    assert callbacks.calls == []

    req = approval_approve(actor=org.rm_east, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.decided_at is not None
    assert list(req.steps.values_list("status", flat=True)) == [StepStatus.APPROVED, StepStatus.APPROVED]
    assert callbacks.calls == [("approved", req.pk, doc.pk)]
    doc.refresh_from_db()
    assert doc.sort_order == 999  # the callback's write committed with the decision
    actions = list(
        AuditEvent.objects.filter(object_type="approvals.approvalrequest", object_id=str(req.pk))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("approval.submit", org.rep_a1.pk),
        ("approval.approve", org.tm_a.pk),
        ("approval.approve", org.rm_east.pk),
    ]


def test_default_policy_is_used_without_a_published_version(org, make_doc):
    req = submit(org.rep_a1, make_doc())
    assert req.flow_name == "default"
    assert req.policy_ref  # "default" until the policies app publishes a version
    assert pending_of(req) == {org.tm_a.pk}
    big = submit(org.rep_a1, make_doc(), amount="600000")
    assert big.flow_name == "large_amount"
    assert [s.approver_ids for s in big.steps.all()] == [[org.tm_a.pk], [org.rm_east.pk], [org.director.pk]]
    assert set(big.ccs.values_list("user_id", flat=True)) == {org.finance.pk}


def test_any_mode_one_approval_settles_the_step(org, make_doc):
    pol = policy(flow("f", step("users", usernames=["tm_a", "tm_b", "tm_c"], mode="any")))
    req = submit(org.rep_a1, make_doc(), pol)
    assert pending_of(req) == {org.tm_a.pk, org.tm_b.pk, org.tm_c.pk}
    approval_approve(actor=org.tm_b, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    statuses = dict(ApprovalTask.objects.filter(request=req).values_list("approver_id", "status"))
    assert statuses == {org.tm_a.pk: "skipped", org.tm_b.pk: "approved", org.tm_c.pk: "skipped"}
    before = state(req)
    with pytest.raises(Conflict):
        approval_approve(actor=org.tm_a, request=req)
    assert state(req) == before


def test_all_mode_needs_every_approval(org, make_doc):
    pol = policy(flow("f", step("users", usernames=["tm_a", "tm_b"], mode="all"), step("users", usernames=["gm"])))
    req = submit(org.rep_a1, make_doc(), pol)
    approval_approve(actor=org.tm_a, request=req)
    assert pending_of(req) == {org.tm_b.pk}
    assert req.steps.get(order=1).status == StepStatus.PENDING
    with pytest.raises(Conflict):  # a double click by tm_a
        approval_approve(actor=org.tm_a, request=req)
    approval_approve(actor=org.tm_b, request=req)
    assert req.steps.get(order=1).status == StepStatus.APPROVED
    assert pending_of(req) == {org.gm.pk}


def test_reject_closes_the_request(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.rep_a1, doc, TWO_STEPS)
    req = approval_reject(actor=org.tm_a, request=req, comment="价格过低")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert list(req.steps.values_list("status", flat=True)) == [StepStatus.REJECTED, StepStatus.SKIPPED]
    assert ApprovalTask.objects.get(request=req).comment == "价格过低"
    assert callbacks.calls == [("rejected", req.pk, doc.pk)]


def test_skip_submitter_and_who_already_approved(org, make_doc):
    pol = policy(
        flow(
            "f",
            step("manager", name="direct"),
            step("users", usernames=["rep_a1", "rm_east"], name="self in any"),
            step("users", usernames=["tm_a", "rm_east"], mode="all", name="tm_a again in all"),
            step("users", usernames=["tm_a"], name="tm_a alone"),
        )
    )
    req = submit(org.rep_a1, make_doc(), pol)
    assert pending_of(req) == {org.tm_a.pk}
    approval_approve(actor=org.tm_a, request=req)
    steps = dict(req.steps.values_list("order", "status"))
    # Step 2 (或签) holds the submitter: skipped. Step 3 (会签) excuses tm_a only.
    assert steps == {1: "approved", 2: "skipped", 3: "pending", 4: "waiting"}
    assert pending_of(req) == {org.rm_east.pk}
    approval_approve(actor=org.rm_east, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert dict(req.steps.values_list("order", "status"))[4] == "skipped"
    skipped = ApprovalTask.objects.filter(request=req, step__order=4).get()
    assert skipped.status == TaskStatus.SKIPPED and "already approved" in skipped.comment


def test_return_requires_a_comment_then_resubmit_starts_round_two(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.rep_a1, doc, TWO_STEPS)
    before = state(req)
    with pytest.raises(ValidationError) as exc:
        approval_return(actor=org.tm_a, request=req, comment="  ")
    assert "comment" in exc.value.fields
    assert state(req) == before

    approval_return(actor=org.tm_a, request=req, comment="请补充付款条件")
    req.refresh_from_db()
    assert req.status == RequestStatus.RETURNED
    assert callbacks.calls == [("returned", req.pk, doc.pk)]
    approval_guard_editable(doc)  # unlocked: the submitter may edit
    OrgUnit.objects.filter(pk=doc.pk).update(name="合同（修改后）")

    with pytest.raises(PermissionDenied):
        approval_resubmit(actor=org.tm_a, request=req)
    round2 = approval_resubmit(actor=org.rep_a1, request=req)
    assert round2.round == 2 and round2.status == RequestStatus.PENDING
    assert round2.snapshot["name"] == "合同（修改后）"
    assert round2.snapshot_hash != req.snapshot_hash
    assert pending_of(round2) == {org.tm_a.pk}
    with pytest.raises(Conflict):  # the old round cannot be resubmitted again
        approval_resubmit(actor=org.rep_a1, request=req)
    with pytest.raises(Conflict):  # and is closed for decisions
        approval_approve(actor=org.tm_a, request=req)


def test_withdraw_by_submitter_only_before_the_decision(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.rep_a1, doc, TWO_STEPS)
    approval_approve(actor=org.tm_a, request=req)
    before = state(req)
    with pytest.raises(PermissionDenied):
        approval_withdraw(actor=org.rm_east, request=req)
    assert state(req) == before

    approval_withdraw(actor=org.rep_a1, request=req, comment="客户改变需求")
    req.refresh_from_db()
    assert req.status == RequestStatus.WITHDRAWN and req.closing_comment == "客户改变需求"
    assert list(req.steps.values_list("status", flat=True)) == [StepStatus.APPROVED, StepStatus.SKIPPED]
    assert pending_of(req) == set()
    assert callbacks.calls == [("withdrawn", req.pk, doc.pk)]
    before = state(req)
    with pytest.raises(Conflict):
        approval_withdraw(actor=org.rep_a1, request=req)
    assert state(req) == before
    round2 = approval_resubmit(actor=org.rep_a1, request=req)
    assert round2.round == 2


def test_reassign_hands_the_task_on(org, make_doc):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    with pytest.raises(ValidationError):  # not to the submitter
        approval_reassign(actor=org.tm_a, request=req, to=org.rep_a1)
    new = approval_reassign(actor=org.tm_a, request=req, to=org.tm_b, comment="我出差")
    assert new.source == TaskSource.REASSIGNED and new.added_by == org.tm_a
    old = ApprovalTask.objects.get(request=req, approver=org.tm_a)
    assert old.status == TaskStatus.REASSIGNED and old.comment == "我出差"
    assert pending_of(req) == {org.tm_b.pk}
    with pytest.raises(Conflict):  # tm_a has nothing waiting any more
        approval_approve(actor=org.tm_a, request=req)
    approval_approve(actor=org.tm_b, request=req)
    assert pending_of(req) == {org.rm_east.pk}


def test_admin_may_reassign_someone_elses_task_others_may_not(org, make_doc):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    task = ApprovalTask.objects.get(request=req, status=TaskStatus.PENDING)
    before = state(req)
    with pytest.raises(PermissionDenied):
        approval_reassign(actor=org.rm_east, request=req, to=org.tm_b, task=task)
    assert state(req) == before
    approval_reassign(actor=org.admin, request=req, to=org.tm_b, task=task)
    assert pending_of(req) == {org.tm_b.pk}


def test_add_approver_in_all_and_any_mode(org, make_doc):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager", mode="all"))))
    added = approval_add_approver(actor=org.tm_a, request=req, user=org.finance, comment="请财务把关")
    assert added.source == TaskSource.ADDED and added.added_by == org.tm_a
    with pytest.raises(ValidationError):  # already on the step
        approval_add_approver(actor=org.tm_a, request=req, user=org.finance)
    with pytest.raises(PermissionDenied):  # only an approver of the step may add
        approval_add_approver(actor=org.rep_a2, request=req, user=org.gm)
    approval_approve(actor=org.tm_a, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING  # 会签 waits for finance too
    approval_approve(actor=org.finance, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED

    req2 = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager", mode="any"))))
    approval_add_approver(actor=org.tm_a, request=req2, user=org.finance)
    approval_approve(actor=org.finance, request=req2)
    req2.refresh_from_db()
    assert req2.status == RequestStatus.APPROVED
    assert ApprovalTask.objects.get(request=req2, approver=org.tm_a).status == TaskStatus.SKIPPED


def test_delegation_routes_new_tasks_to_the_delegate(org, make_doc):
    today = timezone.localdate()
    d = approval_delegation_create(
        actor=org.rm_east, delegate=org.tm_b, valid_from=today, valid_to=today + dt.timedelta(days=7), reason="年假"
    )
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    approval_approve(actor=org.tm_a, request=req)
    task = ApprovalTask.objects.get(request=req, status=TaskStatus.PENDING)
    assert task.approver == org.tm_b and task.acting_for == org.rm_east
    with pytest.raises(PermissionDenied):  # the person on leave holds no task now
        approval_approve(actor=org.rm_east, request=req)
    approval_approve(actor=org.tm_b, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED

    approval_delegation_end(actor=org.rm_east, delegation=d)
    with pytest.raises(Conflict):
        approval_delegation_end(actor=org.rm_east, delegation=d)
    req2 = submit(org.rep_a1, make_doc(), TWO_STEPS)
    approval_approve(actor=org.tm_a, request=req2)
    assert pending_of(req2) == {org.rm_east.pk}


def test_delegation_to_the_submitter_is_not_used(org, make_doc):
    today = timezone.localdate()
    approval_delegation_create(actor=org.tm_a, delegate=org.rep_a1, valid_from=today, valid_to=today)
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    assert pending_of(req) == {org.tm_a.pk}


def test_delegation_refusals(org):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        approval_delegation_create(actor=org.tm_a, delegate=org.tm_a, valid_from=today, valid_to=today)
    with pytest.raises(ValidationError):
        approval_delegation_create(
            actor=org.tm_a, delegate=org.tm_b, valid_from=today, valid_to=today - dt.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        approval_delegation_create(actor=org.rep_a1, user=org.tm_a, delegate=org.tm_b, valid_from=today, valid_to=today)
    approval_delegation_create(actor=org.tm_a, delegate=org.tm_b, valid_from=today, valid_to=today)
    with pytest.raises(ValidationError):  # overlaps
        approval_delegation_create(actor=org.tm_a, delegate=org.tm_c, valid_from=today, valid_to=today)
    assert ApprovalDelegation.objects.count() == 1


def test_document_is_locked_while_under_approval(org, make_doc):
    doc = make_doc()
    approval_guard_editable(doc)
    req = submit(org.rep_a1, doc, TWO_STEPS)
    with pytest.raises(Conflict) as exc:
        approval_guard_editable(doc)
    assert exc.value.code == "locked_for_approval"
    with pytest.raises(Conflict):  # and cannot be submitted twice
        submit(org.rep_a1, doc, TWO_STEPS)
    approval_reject(actor=org.tm_a, request=req)
    approval_guard_editable(doc)


def test_a_failing_callback_rolls_the_decision_back(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.rep_a1, doc, policy(flow("f", step("manager"))))
    callbacks.fail_on = "approved"
    before = state(req)
    with pytest.raises(RuntimeError):
        approval_approve(actor=org.tm_a, request=req)
    assert state(req) == before
    doc.refresh_from_db()
    assert doc.sort_order == 0
    callbacks.fail_on = None
    approval_approve(actor=org.tm_a, request=req)
    assert ApprovalRequest.objects.get(pk=req.pk).status == RequestStatus.APPROVED


@pytest.mark.parametrize("decision", ["approve", "reject", "return"])
def test_decision_on_a_closed_request_is_a_conflict_and_changes_nothing(org, make_doc, decision):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("users", usernames=["tm_a", "tm_b"], mode="any"))))
    approval_reject(actor=org.tm_b, request=req, comment="no")
    before = state(req)
    with pytest.raises(Conflict) as exc:
        approval_decide(actor=org.tm_a, request=req, decision=decision, comment="late")
    assert exc.value.code == "already_decided"
    assert state(req) == before


@pytest.mark.parametrize("who", ["rep_a2", "rm_east", "gm", "admin", "rep_a1"])
def test_a_non_approver_cannot_decide(org, make_doc, who):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    before = state(req)
    for decision in ("approve", "reject", "return"):
        with pytest.raises(PermissionDenied):
            approval_decide(actor=getattr(org, who), request=req, decision=decision, comment="x")
    assert state(req) == before


def test_a_changed_document_cannot_be_approved(org, make_doc):
    doc = make_doc()
    req = submit(org.rep_a1, doc, TWO_STEPS)
    OrgUnit.objects.filter(pk=doc.pk).update(name="偷偷改了")
    before = state(req)
    with pytest.raises(Conflict) as exc:
        approval_approve(actor=org.tm_a, request=req)
    assert exc.value.code == "snapshot_changed"
    assert state(req) == before


def test_copies_added_by_participants(org, make_doc):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    with pytest.raises(PermissionDenied):
        approval_cc_add(actor=org.rep_b1, request=req, users=[org.gm])
    rows = approval_cc_add(actor=org.tm_a, request=req, users=[org.gm, org.rep_a1])
    assert [r.user_id for r in rows] == [org.gm.pk]
    assert rows[0].added_by_id == org.tm_a.pk
    with pytest.raises(ValidationError):
        approval_cc_add(actor=org.rep_a1, request=req, users=[org.gm])


def test_unknown_snapshot_field_and_unregistered_model_are_refused(org, make_doc):
    doc = make_doc()
    with pytest.raises(ValidationError):
        submit(org.rep_a1, doc, TWO_STEPS, snapshot_fields=["name", "nope"])
    with pytest.raises(LookupError):
        submit(org.rep_a1, org.rep_a2, TWO_STEPS, snapshot_fields=["username"])
    assert ApprovalRequest.objects.count() == 0


def test_published_policy_for_a_unit_is_used_and_recorded(org, make_doc):
    from zhidu.policies.services import policy_draft_create, policy_draft_update, policy_publish

    draft = policy_draft_create(actor=org.admin, kind="approval", unit=org.west)
    document = policy(
        flow("west_finance", step("role_in_unit", role="finance", unit="company", name="财务"))
    ).model_dump(mode="json")
    policy_draft_update(actor=org.admin, version=draft, document=document)
    version = policy_publish(actor=org.admin, version=draft, effective_from=timezone.localdate())

    west = submit(org.rep_c1, make_doc())
    assert west.flow_name == "west_finance"
    assert west.policy_version_id == version.pk and west.policy_ref
    assert pending_of(west) == {org.finance.pk}
    east = submit(org.rep_a1, make_doc())  # the policy is set for the west only
    assert east.flow_name == "default" and east.policy_version_id is None


@isolate_apps("zhidu.approvals")
def test_approvable_model_mixin_knows_when_it_is_locked(org, make_doc):
    from zhidu.approvals.models import ApprovableModel

    class Contract(ApprovableModel):
        class Meta:
            app_label = "approvals"

    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    contract = Contract(approval_request=req)
    assert contract.is_locked_for_approval
    approval_reject(actor=org.tm_a, request=req)
    contract.approval_request.refresh_from_db()
    assert not contract.is_locked_for_approval
    assert not Contract().is_locked_for_approval


def test_in_a_handover_a_manager_may_hand_on_a_subordinates_task_others_may_not(org, make_doc):
    req = submit(org.rep_a1, make_doc(), TWO_STEPS)
    task = ApprovalTask.objects.get(request=req, status=TaskStatus.PENDING)  # tm_a's
    before = state(req)
    with pytest.raises(PermissionDenied):  # tm_b is not above tm_a
        approval_reassign(actor=org.tm_b, request=req, to=org.rep_a2, task=task, handover=True)
    with pytest.raises(PermissionDenied):  # above, but not a handover
        approval_reassign(actor=org.rm_east, request=req, to=org.tm_b, task=task)
    assert state(req) == before
    approval_reassign(actor=org.rm_east, request=req, to=org.tm_b, task=task, handover=True)
    assert pending_of(req) == {org.tm_b.pk}
