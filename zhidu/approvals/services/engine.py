"""The moving parts shared by the approval actions: locking a request, deciding a task or
a step with a conditional UPDATE, starting the next step, closing a request and running
the owning app's callback in the same transaction, and notifications after commit."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any, cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import snapshot
from zhidu.core.errors import Conflict

from ..choices import RequestStatus, StepMode, StepStatus, TaskStatus
from ..models import ApprovalCC, ApprovalDelegation, ApprovalRequest, ApprovalStep, ApprovalTask
from ..policies import ApprovalPolicy
from ..registry import approvable

logger = logging.getLogger(__name__)

EVENT_PENDING = "approval.pending"
EVENT_DECIDED = "approval.decided"
EVENT_CC = "approval.cc"


# --- policy ---------------------------------------------------------------------------


def approval_policy_resolve(*, unit=None, on=None) -> tuple[ApprovalPolicy, int | None, str]:
    """The approval policy in force for ``unit`` on ``on``: (policy, version id, reference).
    Falls back to the defaults in code when no version is published."""
    from zhidu.policies.registry import policy_kind

    kind = policy_kind("approval")
    try:
        from zhidu.policies.selectors import policy_resolve
    except ImportError:  # a deployment without the policies store: the defaults in code
        return cast(ApprovalPolicy, kind.default()), None, "default"
    resolved = policy_resolve("approval", unit=unit, on=on)
    value: Any = resolved.value
    if not isinstance(value, ApprovalPolicy):
        value = kind.parse(value if isinstance(value, dict) else value.model_dump(mode="json"))
    return cast(ApprovalPolicy, value), resolved.version_id, str(resolved.ref or "")


# --- snapshot -----------------------------------------------------------------------------


def json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def snapshot_hash(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_for(request: ApprovalRequest) -> type[models.Model] | None:
    return request.content_type.model_class()


def load_object(request: ApprovalRequest, *, lock: bool = False) -> models.Model | None:
    model = model_for(request)
    if model is None:
        return None
    qs = model._default_manager.all()
    if lock:
        qs = qs.select_for_update()
    return qs.filter(pk=request.object_id).first()


def check_snapshot(request: ApprovalRequest) -> None:
    """The approver decides what was submitted: refuse if the decided fields changed."""
    obj = load_object(request)
    if obj is None:
        raise Conflict(_("The document of this request no longer exists."), code="object_gone")
    if snapshot_hash(snapshot(obj, list(request.snapshot))) != request.snapshot_hash:
        raise Conflict(
            _(
                "The document was changed after it was submitted, so this request no longer shows what "
                "would be approved. The submitter must withdraw and submit it again."
            ),
            code="snapshot_changed",
        )


# --- locking and conditional updates ---------------------------------------------------


def lock_request(request: ApprovalRequest | int) -> ApprovalRequest:
    """Every action on a request starts here: one row lock, so steps in 会签 mode count
    their remaining tasks correctly and two approvers queue instead of racing."""
    pk = request.pk if isinstance(request, ApprovalRequest) else request
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("content_type", "submitter", "unit")
        .get(pk=pk)
    )


def closed_conflict(request: ApprovalRequest) -> Conflict:
    return Conflict(
        _("This approval request is already closed (%(status)s). Reload the page to see where it stands.")
        % {"status": request.get_status_display()},
        code="already_decided",
    )


def require_open(request: ApprovalRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise closed_conflict(request)


def decide_task(task: ApprovalTask, status: str, comment: str = "") -> None:
    """``pending`` → decided, or a Conflict when someone (or a double click) got there first."""
    ts = timezone.now()
    done = ApprovalTask.objects.filter(pk=task.pk, status=TaskStatus.PENDING).update(
        status=status, decided_at=ts, comment=comment
    )
    if not done:
        raise Conflict(
            _("This task was already decided. Reload the page to see where it stands."), code="already_decided"
        )
    task.status, task.decided_at, task.comment = status, ts, comment


def decide_step(step: ApprovalStep, status: str) -> None:
    ts = timezone.now()
    done = ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.PENDING).update(status=status, decided_at=ts)
    if not done:
        raise Conflict(
            _("This step was already decided. Reload the page to see where it stands."), code="already_decided"
        )
    step.status, step.decided_at = status, ts
    if status != StepStatus.APPROVED or step.mode == StepMode.ANY:
        # 或签: one decision settles the step; the others' tasks are no longer needed.
        ApprovalTask.objects.filter(step=step, status=TaskStatus.PENDING).update(
            status=TaskStatus.SKIPPED, decided_at=ts
        )


# --- delegation -------------------------------------------------------------------------


def delegates_in_force(user_ids: Iterable[int], on=None) -> dict[int, int]:
    """``{approver id: delegate id}`` for the delegations in force on ``on`` (today)."""
    on = on or timezone.localdate()
    rows = (
        ApprovalDelegation.objects.filter(
            user_id__in=list(user_ids),
            valid_from__lte=on,
            valid_to__gte=on,
            revoked_at__isnull=True,
            delegate__is_active=True,
        )
        .order_by("user_id", "valid_from", "id")
        .values_list("user_id", "delegate_id")
    )
    return dict(rows)


def route_to(user_id: int, request: ApprovalRequest, delegates: dict[int, int]) -> tuple[int, int | None]:
    """(approver, acting for): a delegate in force takes the task, unless the delegate is
    the submitter (nobody approves their own request)."""
    delegate = delegates.get(user_id)
    if delegate and delegate != request.submitter_id:
        return delegate, user_id
    return user_id, None


# --- moving through the steps ------------------------------------------------------------


def approved_ids(request: ApprovalRequest) -> set[int]:
    rows = ApprovalTask.objects.filter(request=request, status=TaskStatus.APPROVED).values_list(
        "approver_id", "acting_for_id"
    )
    return {x for pair in rows for x in pair if x}


def advance(request: ApprovalRequest, *, actor) -> None:
    """Start the next waiting step. A step whose approver is the submitter, or someone who
    already approved in this request, is skipped (in 或签 mode one such approver settles the
    step; in 会签 mode only they are excused). When no step is left the request is approved."""
    already = approved_ids(request)
    for step in request.steps.filter(status=StepStatus.WAITING).order_by("order"):
        ts = timezone.now()
        ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.WAITING).update(
            status=StepStatus.PENDING, activated_at=ts
        )
        step.status, step.activated_at = StepStatus.PENDING, ts
        ids = list(dict.fromkeys(step.approver_ids))
        delegates = delegates_in_force(ids)
        tasks: list[ApprovalTask] = []
        excused = 0
        seen: set[int] = set()
        for uid in ids:
            reason = ""
            if uid == request.submitter_id:
                reason = _("Skipped: the approver is the submitter.")
            elif uid in already:
                reason = _("Skipped: already approved earlier in this request.")
            approver, acting_for = (uid, None) if reason else route_to(uid, request, delegates)
            if not reason and approver in already:
                reason = _("Skipped: already approved earlier in this request.")
            if approver in seen:
                continue
            seen.add(approver)
            if reason:
                excused += 1
            tasks.append(
                ApprovalTask(
                    request=request,
                    step=step,
                    approver_id=approver,
                    acting_for_id=acting_for,
                    status=TaskStatus.SKIPPED if reason else TaskStatus.PENDING,
                    decided_at=ts if reason else None,
                    comment=reason,
                )
            )
        ApprovalTask.objects.bulk_create(tasks)
        pending = [t for t in tasks if t.status == TaskStatus.PENDING]
        if not pending or (step.mode == StepMode.ANY and excused):
            ApprovalTask.objects.filter(step=step, status=TaskStatus.PENDING).update(
                status=TaskStatus.SKIPPED, decided_at=ts
            )
            ApprovalStep.objects.filter(pk=step.pk).update(status=StepStatus.SKIPPED, decided_at=ts)
            continue
        notify_pending(request, [t.approver_id for t in pending])
        return
    close(request, RequestStatus.APPROVED, actor=actor)


def close(request: ApprovalRequest, status: str, *, actor, comment: str = "") -> None:
    """The final decision: conditional UPDATE of the request, open steps and tasks closed,
    the owning app's callback run here, in this transaction (if it raises, all of it rolls back)."""
    ts = timezone.now()
    done = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=status, decided_at=ts, closing_comment=comment
    )
    if not done:
        raise closed_conflict(request)
    request.status, request.decided_at, request.closing_comment = status, ts, comment
    ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING).update(
        status=TaskStatus.SKIPPED, decided_at=ts
    )
    ApprovalStep.objects.filter(request=request, status__in=[StepStatus.WAITING, StepStatus.PENDING]).update(
        status=StepStatus.SKIPPED, decided_at=ts
    )
    entry = approvable(request.object_type)
    callback = entry.callback(status) if entry else None
    if callback is not None:
        callback(request, load_object(request, lock=True))
    if status != RequestStatus.WITHDRAWN:
        notify_decided(request)
    if status in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        notify_flow_copies(request)


def set_current_request(obj: models.Model, request: ApprovalRequest) -> None:
    """Documents built on ``ApprovableModel`` keep a key to their current request."""
    try:
        obj._meta.get_field("approval_request")
    except Exception:
        return
    type(obj)._default_manager.filter(pk=obj.pk).update(approval_request=request)
    setattr(obj, "approval_request", request)  # noqa: B010 - not every model has the field


# --- notifications ------------------------------------------------------------------------


def request_url(request: ApprovalRequest) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("approvals:detail", args=[request.pk])
    except NoReverseMatch:
        return ""


def notify_later(
    *,
    recipient_ids: Iterable[int],
    event: str,
    title: str,
    body: str = "",
    url: str = "",
    obj: models.Model | None = None,
) -> None:
    """Send through the notifications app after commit; do nothing if it is not there.
    A failure to notify is logged and never undoes the decision (``robust``)."""
    ids = sorted(set(recipient_ids))
    if not ids:
        return

    def send() -> None:
        try:
            from zhidu.notifications.services import notify
        except ImportError:
            return
        notify(recipients=ids, event=event, title=title, body=body, url=url, obj=obj)

    transaction.on_commit(send, robust=True)


def notify_pending(request: ApprovalRequest, user_ids: list[int]) -> None:
    notify_later(
        recipient_ids=user_ids,
        event=EVENT_PENDING,
        title=_("Waiting for your approval: %(title)s") % {"title": request.title},
        body=_("Submitted by %(name)s.") % {"name": request.submitter},
        url=request_url(request),
        obj=request,
    )


def notify_decided(request: ApprovalRequest) -> None:
    notify_later(
        recipient_ids=[request.submitter_id],
        event=EVENT_DECIDED,
        title=_("%(title)s: %(status)s") % {"title": request.title, "status": request.get_status_display()},
        body=request.closing_comment or _latest_comment(request),
        url=request_url(request),
        obj=request,
    )


def _latest_comment(request: ApprovalRequest) -> str:
    task = (
        ApprovalTask.objects.filter(request=request, decided_at__isnull=False)
        .exclude(status=TaskStatus.SKIPPED)
        .order_by("-decided_at", "-id")
        .first()
    )
    return task.comment if task else ""


def notify_copies(request: ApprovalRequest, user_ids: list[int]) -> None:
    if not user_ids:
        return
    ApprovalCC.objects.filter(request=request, user_id__in=user_ids).update(notified_at=timezone.now())
    notify_later(
        recipient_ids=user_ids,
        event=EVENT_CC,
        title=_("Copied to you: %(title)s (%(status)s)")
        % {"title": request.title, "status": request.get_status_display()},
        body=_("Submitted by %(name)s.") % {"name": request.submitter},
        url=request_url(request),
        obj=request,
    )


def notify_flow_copies(request: ApprovalRequest) -> None:
    ids = list(ApprovalCC.objects.filter(request=request, notified_at__isnull=True).values_list("user_id", flat=True))
    notify_copies(request, ids)
