"""The approval actions (审批): submit, approve, reject, return (退回), withdraw (撤回),
resubmit, reassign (转交), add an approver (加签) and copy people in (抄送).

Each is one transaction with its audit row. Every action locks the request row first,
then decides with a conditional UPDATE (``status = pending`` → decided): zero rows means
someone got there first and the action is refused with a ``Conflict``; nothing is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import Conflict, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, User
from zhidu.org.permissions import has_perm, main_unit, subordinate_ids

from ..choices import RequestStatus, StepMode, StepStatus, TaskSource, TaskStatus
from ..models import ApprovalCC, ApprovalRequest, ApprovalStep, ApprovalTask
from ..policies import ApprovalPolicy, flow_select
from ..registry import approvable
from ..resolution import Resolver, cc_people, plan_steps
from . import engine

OBJECT_TYPE = "approvals.approvalrequest"


def _require_active(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied()


def _full_clean(obj: models.Model, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc)


def _unit_codes_up(unit: OrgUnit | None) -> list[str]:
    if unit is None:
        return []
    units = OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("-depth").values_list("code", flat=True)
    return list(units)


def _locked_error(obj) -> Conflict:
    return Conflict(
        _(
            "“%(object)s” is under approval and cannot be changed. Withdraw the approval request first, "
            "or wait for the decision."
        )
        % {"object": obj},
        code="locked_for_approval",
    )


def approval_pending_for(obj: models.Model) -> ApprovalRequest | None:
    ct = ContentType.objects.get_for_model(obj)
    return ApprovalRequest.objects.filter(content_type=ct, object_id=str(obj.pk), status=RequestStatus.PENDING).first()


def approval_guard_editable(obj: models.Model) -> None:
    """Owning apps call this in their edit services: a document under approval is locked."""
    ct = ContentType.objects.get_for_model(obj)
    if ApprovalRequest.objects.filter(content_type=ct, object_id=str(obj.pk), status=RequestStatus.PENDING).exists():
        raise _locked_error(obj)


def _create_request(
    *,
    actor: User,
    obj: models.Model,
    title: str,
    amount: Decimal | None,
    unit: OrgUnit | None,
    snapshot_fields: list[str],
    flow_hint: str,
    context: dict[str, Any] | None,
    cc: list[User] | None,
    policy: ApprovalPolicy | None,
    action: str,
) -> ApprovalRequest:
    label = obj._meta.label_lower
    if approvable(label) is None:
        raise LookupError(f"{label} is not approvable: call register_approvable({label!r}, …) in its AppConfig.ready")
    if not snapshot_fields:
        raise ValidationError(_("Name the fields being decided."), fields={"snapshot_fields": [_("Required.")]})
    for name in snapshot_fields:
        try:
            obj._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValidationError(
                _("“%(field)s” is not a field of %(model)s.") % {"field": name, "model": obj._meta.verbose_name},
                fields={"snapshot_fields": [name]},
            )
    # The object row is locked so that two submissions of it queue; the snapshot comes
    # from the database so a later re-read hashes the same (Decimal places, time zones).
    fresh = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
    if fresh is None:
        raise ValidationError(_("Save the document before submitting it for approval."))
    ct = ContentType.objects.get_for_model(obj)
    if ApprovalRequest.objects.filter(content_type=ct, object_id=str(obj.pk), status=RequestStatus.PENDING).exists():
        raise Conflict(_("“%(object)s” is already under approval.") % {"object": fresh}, code="already_pending")

    unit = unit or main_unit(actor)
    if policy is None:
        policy, version_id, ref = engine.approval_policy_resolve(unit=unit)
    else:
        version_id, ref = None, "given"
    snap = snapshot(fresh, snapshot_fields)
    match_context = {**snap, **(context or {})}
    flow = flow_select(
        policy,
        object_type=label,
        amount=amount,
        unit_codes_up=_unit_codes_up(unit),
        context=match_context,
        flow_hint=flow_hint or "",
    )
    if flow is None:
        raise ValidationError(
            _("No approval flow in the approval policy applies to this document. Ask an administrator to add one."),
            code="no_flow",
        )
    resolver = Resolver(actor, unit)
    planned = plan_steps(flow, resolver)  # refuses before anything is written
    cc_ids = cc_people(flow, resolver)
    for user in cc or []:
        if user.pk not in cc_ids and user.pk != actor.pk:
            cc_ids.append(user.pk)

    last_round = ApprovalRequest.objects.filter(content_type=ct, object_id=str(obj.pk)).aggregate(m=Max("round"))["m"]
    request = ApprovalRequest(
        content_type=ct,
        object_id=str(obj.pk),
        object_repr=str(fresh)[:200],
        title=title,
        amount=amount,
        unit=unit,
        flow_name=flow.name,
        flow_label=flow.label,
        flow_hint=flow_hint or "",
        conditions=engine.json_safe(context or {}),
        policy_version_id=version_id,
        policy_ref=ref[:100],
        round=(last_round or 0) + 1,
        status=RequestStatus.PENDING,
        snapshot=snap,
        snapshot_hash=engine.snapshot_hash(snap),
        submitter=actor,
        submitted_at=timezone.now(),
    )
    _full_clean(request, validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise Conflict(_("“%(object)s” is already under approval.") % {"object": fresh}, code="already_pending")
    ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                request=request, order=n, name=p.name[:100], mode=p.mode, approver_ids=p.approver_ids, rule=p.rule
            )
            for n, p in enumerate(planned, start=1)
        ]
    )
    ApprovalCC.objects.bulk_create([ApprovalCC(request=request, user_id=uid) for uid in cc_ids])
    engine.set_current_request(obj, request)
    audit_record(
        actor=actor,
        action=action,
        obj=request,
        changes={
            "object": f"{label}:{obj.pk}",
            "flow": flow.name,
            "round": request.round,
            "policy": ref,
            "steps": [{"name": p.name, "mode": p.mode, "approvers": p.approver_ids} for p in planned],
            "cc": cc_ids,
            "snapshot_hash": request.snapshot_hash,
        },
    )
    engine.advance(request, actor=actor)
    return request


@transaction.atomic
def approval_submit(
    *,
    actor: User,
    obj: models.Model,
    title: str,
    amount: Decimal | None = None,
    unit: OrgUnit | None = None,
    snapshot_fields: list[str],
    flow_hint: str | None = None,
    context: dict[str, Any] | None = None,
    cc: list[User] | None = None,
    policy: ApprovalPolicy | None = None,
) -> ApprovalRequest:
    """Send ``obj`` for approval. The flow comes from the approval policy in force for
    ``unit`` (default: the submitter's main unit) by object type, amount, unit and the
    ``context``/snapshot keys; its steps resolve to people now. A step with nobody to
    approve refuses the submission. The object is locked until the decision (seed 000 §3.5:
    contracts are reviewed before signing)."""
    _require_active(actor)
    return _create_request(
        actor=actor,
        obj=obj,
        title=title,
        amount=amount,
        unit=unit,
        snapshot_fields=list(snapshot_fields),
        flow_hint=flow_hint or "",
        context=context,
        cc=cc,
        policy=policy,
        action="approval.submit",
    )


def _actor_task(request: ApprovalRequest, actor: User) -> ApprovalTask:
    """The actor's pending task in the current step. PermissionDenied if they were never an
    approver of this request; a Conflict if the request is closed or their part is done
    (a double click, or another approver of a 或签 step got there first)."""
    task = (
        ApprovalTask.objects.filter(request=request, approver=actor, status=TaskStatus.PENDING)
        .select_related("step")
        .first()
    )
    if task is not None and request.status == RequestStatus.PENDING:
        return task
    if not ApprovalTask.objects.filter(request=request, approver=actor).exists():
        raise PermissionDenied(_("You are not an approver of the current step of this request."))
    engine.require_open(request)
    raise Conflict(
        _("Nothing is waiting for you on this request any more: it was decided or handed on. Reload the page."),
        code="already_decided",
    )


def _audit(actor, action: str, request: ApprovalRequest, reason: str = "", **changes) -> None:
    audit_record(actor=actor, action=action, obj=request, changes=changes, reason=reason)


@transaction.atomic
def approval_approve(*, actor: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Approve the actor's task. 或签: the step is done; 会签: done when every task is
    approved. The next step starts, or the request is approved and the owning app's
    ``on_approved`` runs in this transaction."""
    _require_active(actor)
    req = engine.lock_request(request)
    task = _actor_task(req, actor)
    engine.check_snapshot(req)
    engine.decide_task(task, TaskStatus.APPROVED, comment)
    step = task.step
    if step.mode == StepMode.ANY or not ApprovalTask.objects.filter(step=step, status=TaskStatus.PENDING).exists():
        engine.decide_step(step, StepStatus.APPROVED)
        engine.advance(req, actor=actor)
    _audit(actor, "approval.approve", req, comment, step=step.order, task=task.pk, status=req.status)
    return req


@transaction.atomic
def approval_reject(*, actor: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Reject: the request is closed as rejected and ``on_rejected`` runs."""
    _require_active(actor)
    req = engine.lock_request(request)
    task = _actor_task(req, actor)
    engine.decide_task(task, TaskStatus.REJECTED, comment)
    engine.decide_step(task.step, StepStatus.REJECTED)
    engine.close(req, RequestStatus.REJECTED, actor=actor)
    _audit(actor, "approval.reject", req, comment, step=task.step.order, task=task.pk)
    return req


@transaction.atomic
def approval_return(*, actor: User, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """退回: back to the submitter for changes, with a comment saying what to change. The
    document is unlocked; the submitter resubmits it as a new round."""
    _require_active(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            _("Say what the submitter should change."), fields={"comment": [_("A comment is required to return.")]}
        )
    req = engine.lock_request(request)
    task = _actor_task(req, actor)
    engine.decide_task(task, TaskStatus.RETURNED, comment)
    engine.decide_step(task.step, StepStatus.RETURNED)
    engine.close(req, RequestStatus.RETURNED, actor=actor)
    _audit(actor, "approval.return", req, comment, step=task.step.order, task=task.pk)
    return req


@transaction.atomic
def approval_decide(*, actor: User, request: ApprovalRequest, decision: str, comment: str = "") -> ApprovalRequest:
    """One entry point for the UI and the API: approve, reject or return."""
    actions = {"approve": approval_approve, "reject": approval_reject, "return": approval_return}
    if decision not in actions:
        raise ValidationError(_("Choose approve, reject or return."), fields={"decision": [_("Not a valid choice.")]})
    return actions[decision](actor=actor, request=request, comment=comment)


@transaction.atomic
def approval_withdraw(*, actor: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """撤回: the submitter takes the request back before the final decision."""
    _require_active(actor)
    req = engine.lock_request(request)
    if req.submitter_id != actor.pk:
        raise PermissionDenied(_("Only the submitter can withdraw an approval request."))
    engine.require_open(req)
    engine.close(req, RequestStatus.WITHDRAWN, actor=actor, comment=(comment or "").strip())
    _audit(actor, "approval.withdraw", req, comment)
    return req


@transaction.atomic
def approval_resubmit(
    *,
    actor: User,
    request: ApprovalRequest,
    title: str | None = None,
    amount: Decimal | None = None,
    context: dict[str, Any] | None = None,
) -> ApprovalRequest:
    """A new round after a return or a withdrawal: the same fields are snapshotted again
    from the (edited) document and the flow is chosen again under the policy in force now."""
    _require_active(actor)
    req = engine.lock_request(request)
    if req.submitter_id != actor.pk:
        raise PermissionDenied(_("Only the submitter can resubmit an approval request."))
    if req.status not in (RequestStatus.RETURNED, RequestStatus.WITHDRAWN):
        raise Conflict(
            _("Only a returned or withdrawn request can be resubmitted; this one is %(status)s.")
            % {"status": req.get_status_display()},
            code="not_resubmittable",
        )
    if ApprovalRequest.objects.filter(
        content_type=req.content_type, object_id=req.object_id, round__gt=req.round
    ).exists():
        raise Conflict(_("This document was already submitted again; open its latest round."), code="superseded")
    obj = engine.load_object(req)
    if obj is None:
        raise Conflict(_("The document of this request no longer exists."), code="object_gone")
    copies = list(User.objects.filter(pk__in=req.ccs.filter(added_by__isnull=False).values("user_id")))
    return _create_request(
        actor=actor,
        obj=obj,
        title=title or req.title,
        amount=amount if amount is not None else req.amount,
        unit=req.unit,
        snapshot_fields=list(req.snapshot),
        flow_hint=req.flow_hint,
        context=context if context is not None else req.conditions,
        cc=copies,
        policy=None,
        action="approval.resubmit",
    )


def _check_new_approver(req: ApprovalRequest, step: ApprovalStep, user: User | None) -> None:
    if user is None or not user.is_active:
        raise ValidationError(_("Choose an active user."), fields={"user": [_("Choose an active user.")]})
    if user.pk == req.submitter_id:
        raise ValidationError(
            _("The submitter cannot approve their own request."), fields={"user": [_("Choose someone else.")]}
        )
    if ApprovalTask.objects.filter(step=step, approver=user, status=TaskStatus.PENDING).exists():
        raise ValidationError(
            _("%(name)s is already an approver of this step.") % {"name": user},
            fields={"user": [_("Choose someone else.")]},
        )


@transaction.atomic
def approval_reassign(
    *,
    actor: User,
    request: ApprovalRequest,
    to: User,
    comment: str = "",
    task: ApprovalTask | None = None,
    handover: bool = False,
) -> ApprovalTask:
    """转交: hand one's pending task to someone else. An administrator (``assign`` on approval
    requests) may hand anyone's pending task on, e.g. when an approver has left. In a
    handover (离职交接, ``handover=True``) a manager may also hand on the pending tasks of
    the people below them — the leaver's work goes to their successor (seed 003: handing in
    records)."""
    _require_active(actor)
    req = engine.lock_request(request)
    engine.require_open(req)
    if task is None or task.approver_id == actor.pk:
        task = _actor_task(req, actor)
    else:
        may_assign = has_perm(actor, OBJECT_TYPE, Action.ASSIGN)
        if not may_assign and not (handover and task.approver_id in subordinate_ids(actor)):
            raise PermissionDenied(_("You can hand on only your own approval tasks."))
        task = ApprovalTask.objects.select_related("step").filter(pk=task.pk, request=req).first()
        if task is None or task.status != TaskStatus.PENDING:
            raise Conflict(
                _("This task was already decided. Reload the page to see where it stands."), code="already_decided"
            )
    step = task.step
    _check_new_approver(req, step, to)
    engine.decide_task(task, TaskStatus.REASSIGNED, (comment or "").strip())
    approver, acting_for = engine.route_to(to.pk, req, engine.delegates_in_force([to.pk]))
    new = ApprovalTask.objects.create(
        request=req,
        step=step,
        approver_id=approver,
        acting_for_id=acting_for,
        source=TaskSource.REASSIGNED,
        added_by=actor,
    )
    engine.notify_pending(req, [approver])
    _audit(actor, "approval.reassign", req, comment, step=step.order, task=task.pk, to=approver, new_task=new.pk)
    return new


@transaction.atomic
def approval_add_approver(*, actor: User, request: ApprovalRequest, user: User, comment: str = "") -> ApprovalTask:
    """加签: an approver of the current step adds someone to it. In 会签 mode the step then
    needs their approval too; in 或签 mode any one of them settles it."""
    _require_active(actor)
    req = engine.lock_request(request)
    task = _actor_task(req, actor)
    step = task.step
    _check_new_approver(req, step, user)
    approver, acting_for = engine.route_to(user.pk, req, engine.delegates_in_force([user.pk]))
    new = ApprovalTask.objects.create(
        request=req,
        step=step,
        approver_id=approver,
        acting_for_id=acting_for,
        source=TaskSource.ADDED,
        added_by=actor,
        comment="",
    )
    engine.notify_pending(req, [approver])
    _audit(actor, "approval.add_approver", req, comment, step=step.order, user=approver, task=new.pk)
    return new


def _is_participant(req: ApprovalRequest, user: User) -> bool:
    if req.submitter_id == user.pk:
        return True
    return ApprovalTask.objects.filter(request=req, approver=user).exists()


@transaction.atomic
def approval_cc_add(*, actor: User, request: ApprovalRequest, users: list[User]) -> list[ApprovalCC]:
    """抄送: the submitter or an approver copies people in; they are told at once."""
    _require_active(actor)
    req = engine.lock_request(request)
    if not _is_participant(req, actor):
        raise PermissionDenied(_("Only the submitter and the approvers can copy people in."))
    existing = set(req.ccs.values_list("user_id", flat=True))
    new_users = [u for u in users if u.is_active and u.pk not in existing and u.pk != req.submitter_id]
    if not new_users:
        raise ValidationError(
            _("Choose at least one active person who is not already copied in."),
            fields={"users": [_("Choose someone else.")]},
        )
    rows = ApprovalCC.objects.bulk_create([ApprovalCC(request=req, user=u, added_by=actor) for u in new_users])
    engine.notify_copies(req, [u.pk for u in new_users])
    _audit(actor, "approval.cc", req, users=[u.pk for u in new_users])
    return rows
