"""Reads for approvals, always scoped to the person asking.

The inbox is one indexed query: pending tasks by approver (``appr_task_inbox``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from zhidu.core.errors import NotFound
from zhidu.org.models import User

from .choices import RequestStatus, TaskStatus
from .models import ApprovalCC, ApprovalDelegation, ApprovalRequest, ApprovalStep, ApprovalTask
from .registry import describe_object


def inbox_tasks(*, user: User) -> QuerySet[ApprovalTask]:
    """ "Waiting for me": my pending tasks, oldest first."""
    return (
        ApprovalTask.objects.filter(approver_id=user.pk, status=TaskStatus.PENDING)
        .select_related("request", "request__submitter", "request__content_type", "request__unit", "step", "acting_for")
        .order_by("created_at", "id")
    )


def inbox_count(*, user: User) -> int:
    """For the navigation badge."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return ApprovalTask.objects.filter(approver_id=user.pk, status=TaskStatus.PENDING).count()


def submitted_requests(*, user: User) -> QuerySet[ApprovalRequest]:
    """ "I submitted": every round I sent, newest first."""
    return ApprovalRequest.objects.filter(submitter_id=user.pk).select_related("content_type", "unit", "submitter")


def copied_requests(*, user: User) -> QuerySet[ApprovalRequest]:
    """ "Copied to me" (抄送)."""
    return ApprovalRequest.objects.filter(
        pk__in=ApprovalCC.objects.filter(user_id=user.pk).values("request_id")
    ).select_related("content_type", "unit", "submitter")


def approval_counts(*, user: User) -> dict[str, int]:
    return {
        "waiting": inbox_count(user=user),
        "submitted_pending": ApprovalRequest.objects.filter(submitter_id=user.pk, status=RequestStatus.PENDING).count(),
        "copied": ApprovalCC.objects.filter(user_id=user.pk).count(),
    }


def request_get(*, user: User, pk: Any) -> ApprovalRequest:
    """One request the user may see (a participant, or within their data scope)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    req = (
        ApprovalRequest.objects.visible_to(user)
        .select_related("content_type", "unit", "submitter")
        .filter(pk=pk)
        .first()
    )
    if req is None:
        raise NotFound()
    return req


def request_rounds(*, request: ApprovalRequest) -> list[ApprovalRequest]:
    """Every round of approval of the same object, oldest first, with steps, tasks and
    copies loaded: the full history the request page shows."""
    tasks = ApprovalTask.objects.select_related("approver", "acting_for", "added_by").order_by("created_at", "id")
    steps = ApprovalStep.objects.order_by("order").prefetch_related(Prefetch("tasks", queryset=tasks))
    return list(
        ApprovalRequest.objects.filter(content_type_id=request.content_type_id, object_id=request.object_id)
        .select_related("submitter", "content_type", "unit")
        .prefetch_related(
            Prefetch("steps", queryset=steps),
            Prefetch("ccs", queryset=ApprovalCC.objects.select_related("user", "added_by")),
        )
        .order_by("round")
    )


def step_approvers(*, steps: list[ApprovalStep]) -> dict[int, User]:
    """The people named on steps (including waiting ones, which have no tasks yet)."""
    ids = {uid for s in steps for uid in s.approver_ids}
    return User.objects.in_bulk(ids)


def request_actions(*, request: ApprovalRequest, user: User) -> dict[str, Any]:
    """What ``user`` can do on ``request`` now (drives the buttons; services re-check)."""
    task = None
    if request.status == RequestStatus.PENDING:
        task = (
            ApprovalTask.objects.filter(request=request, approver_id=user.pk, status=TaskStatus.PENDING)
            .select_related("step")
            .first()
        )
    is_submitter = request.submitter_id == user.pk
    latest = not ApprovalRequest.objects.filter(
        content_type_id=request.content_type_id, object_id=request.object_id, round__gt=request.round
    ).exists()
    return {
        "task": task,
        "can_decide": task is not None,
        "can_withdraw": is_submitter and request.status == RequestStatus.PENDING,
        "can_resubmit": is_submitter and latest and request.status in (RequestStatus.RETURNED, RequestStatus.WITHDRAWN),
        "can_cc": is_submitter or ApprovalTask.objects.filter(request=request, approver_id=user.pk).exists(),
    }


def describe_requests(requests: list[ApprovalRequest]) -> dict[int, dict]:
    """What each owning app says about the objects, one query per object type."""
    by_type: dict[int, list[ApprovalRequest]] = defaultdict(list)
    for r in requests:
        by_type[r.content_type_id].append(r)
    out: dict[int, dict] = {}
    for ct_id, rows in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        pk_field = model._meta.pk
        keys = {r.pk: pk_field.to_python(r.object_id) for r in rows}
        objs = model._default_manager.in_bulk(list(keys.values()))
        for r in rows:
            obj = objs.get(keys[r.pk])
            out[r.pk] = describe_object(obj)
    return out


def delegations_for(*, user: User) -> QuerySet[ApprovalDelegation]:
    """My delegations (as approver or as delegate), current and future first."""
    return (
        ApprovalDelegation.objects.filter(Q(user_id=user.pk) | Q(delegate_id=user.pk))
        .select_related("user", "delegate")
        .order_by("-valid_to", "-id")
    )


def delegation_get(*, user: User, pk: Any) -> ApprovalDelegation:
    qs = ApprovalDelegation.objects.all() if user.is_superuser else delegations_for(user=user)
    try:
        row = qs.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound()
    return row


def delegation_in_force(d: ApprovalDelegation) -> bool:
    today = timezone.localdate()
    return d.revoked_at is None and d.valid_from <= today <= d.valid_to
