"""``/api/v1/approvals/``: the inbox, my requests, copies, one request with its history,
the decisions and the other actions, and delegations. Handlers validate and call
selectors and services; refusals come back as ``{code, message, fields}``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhidu.core.errors import ValidationError
from zhidu.core.filters import apply_filters, filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.models import User

from . import selectors, services
from .filtersets import ApprovalRequestFilterSet, ApprovalTaskFilterSet
from .registry import describe_object
from .schemas import (
    ActionsOut,
    CommentIn,
    CopyIn,
    CountsOut,
    DecisionIn,
    DelegationIn,
    DelegationOut,
    PersonIn,
    RequestDetailOut,
    RequestOut,
    RequestPage,
    RoundRef,
    StepOut,
    StepRef,
    TaskDecisionOut,
    TaskOut,
    TaskPage,
    UserRef,
)
from .services.engine import load_object

router = Router()

TaskQuery = filter_schema(ApprovalTaskFilterSet, "ApprovalTaskQuery")
RequestQuery = filter_schema(ApprovalRequestFilterSet, "ApprovalRequestQuery")


def _user(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(_("There is no active user “%(name)s”.") % {"name": username}, fields={field: [username]})
    return user


def _summary(desc: dict) -> str:
    return str(desc.get("summary", "") or "")


def _request_out(r, desc: dict | None = None) -> RequestOut:
    return RequestOut(
        id=r.pk,
        title=r.title,
        object_type=r.object_type,
        object_type_label=r.object_type_label,
        object_id=r.object_id,
        object_repr=r.object_repr,
        summary=_summary(desc or {}),
        status=r.status,
        round=r.round,
        flow_name=r.flow_name,
        flow_label=r.flow_label,
        policy_version_id=r.policy_version_id,
        policy_ref=r.policy_ref,
        amount=r.amount,
        unit=r.unit.code if r.unit else None,
        submitter=UserRef.of(r.submitter),
        submitted_at=r.submitted_at,
        decided_at=r.decided_at,
    )


def _page(page, items) -> dict:
    return {
        "items": items,
        "page": page.number,
        "page_size": page.per_page,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


@router.get("/counts", response=CountsOut, summary="Counts for the inbox tabs and the navigation badge")
def counts(request):
    return selectors.approval_counts(user=request.user)


@router.get("/inbox", response=TaskPage, summary="Waiting for me: my pending approval tasks")
def inbox(request, query: Query[TaskQuery]):  # type: ignore[valid-type]
    q: Any = query
    qs = apply_filters(ApprovalTaskFilterSet, query_to_data(q), selectors.inbox_tasks(user=request.user))
    page = paginate(qs, q.page, q.page_size)
    descs = selectors.describe_requests([t.request for t in page.items])
    items = [
        TaskOut(
            id=t.pk,
            request_id=t.request_id,
            title=t.request.title,
            object_type=t.request.object_type,
            object_type_label=t.request.object_type_label,
            object_id=t.request.object_id,
            summary=_summary(descs.get(t.request_id, {})),
            submitter=UserRef.of(t.request.submitter),
            amount=t.request.amount,
            step=StepRef(order=t.step.order, name=t.step.display_name, mode=t.step.mode),
            acting_for=UserRef.maybe(t.acting_for),
            created_at=t.created_at,
        )
        for t in page.items
    ]
    return _page(page, items)


def _request_list(request, query: Any, qs):
    qs = apply_filters(ApprovalRequestFilterSet, query_to_data(query), qs)
    page = paginate(qs, query.page, query.page_size)
    descs = selectors.describe_requests(page.items)
    return _page(page, [_request_out(r, descs.get(r.pk)) for r in page.items])


@router.get("/submitted", response=RequestPage, summary="I submitted: my approval requests, every round")
def submitted(request, query: Query[RequestQuery]):  # type: ignore[valid-type]
    return _request_list(request, query, selectors.submitted_requests(user=request.user))


@router.get("/copied", response=RequestPage, summary="Copied to me (抄送)")
def copied(request, query: Query[RequestQuery]):  # type: ignore[valid-type]
    return _request_list(request, query, selectors.copied_requests(user=request.user))


def _detail(request, req) -> RequestDetailOut:
    rounds = selectors.request_rounds(request=req)
    current = next(r for r in rounds if r.pk == req.pk)
    steps = list(current.steps.all())
    people = selectors.step_approvers(steps=steps)
    actions = selectors.request_actions(request=req, user=request.user)
    desc = describe_object(load_object(req))
    base = _request_out(req, desc).model_dump()
    return RequestDetailOut(
        **base,
        snapshot=req.snapshot,
        snapshot_hash=req.snapshot_hash,
        closing_comment=req.closing_comment,
        description={k: (v if k != "fields" else {str(a): str(b) for a, b in v.items()}) for k, v in desc.items()},
        steps=[
            StepOut(
                order=s.order,
                name=s.display_name,
                mode=s.mode,
                status=s.status,
                approvers=[UserRef.of(people[i]) for i in s.approver_ids if i in people],
                tasks=[
                    TaskDecisionOut(
                        id=t.pk,
                        approver=UserRef.of(t.approver),
                        acting_for=UserRef.maybe(t.acting_for),
                        status=t.status,
                        source=t.source,
                        added_by=UserRef.maybe(t.added_by),
                        created_at=t.created_at,
                        decided_at=t.decided_at,
                        comment=t.comment,
                    )
                    for t in s.tasks.all()
                ],
            )
            for s in steps
        ],
        copied_to=[UserRef.of(c.user) for c in current.ccs.all()],
        rounds=[RoundRef(id=r.pk, round=r.round, status=r.status) for r in rounds],
        actions=ActionsOut(**{k: v for k, v in actions.items() if k != "task"}),
    )


@router.get(
    "/requests/{request_id}", response=RequestDetailOut, summary="One request with its steps, decisions and rounds"
)
def request_detail(request, request_id: int):
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


@router.post("/requests/{request_id}/decide", response=RequestDetailOut, summary="Approve, reject or return (退回)")
def decide(request, request_id: int, payload: DecisionIn):
    req = selectors.request_get(user=request.user, pk=request_id)
    services.approval_decide(actor=request.user, request=req, decision=payload.decision, comment=payload.comment)
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


@router.post("/requests/{request_id}/withdraw", response=RequestDetailOut, summary="Withdraw (撤回), submitter only")
def withdraw(request, request_id: int, payload: CommentIn):
    req = selectors.request_get(user=request.user, pk=request_id)
    services.approval_withdraw(actor=request.user, request=req, comment=payload.comment)
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


@router.post("/requests/{request_id}/resubmit", response={201: RequestDetailOut}, summary="Resubmit as a new round")
def resubmit(request, request_id: int):
    req = selectors.request_get(user=request.user, pk=request_id)
    new = services.approval_resubmit(actor=request.user, request=req)
    return Status(201, _detail(request, selectors.request_get(user=request.user, pk=new.pk)))


@router.post("/requests/{request_id}/reassign", response=RequestDetailOut, summary="Hand a pending task on (转交)")
def reassign(request, request_id: int, payload: PersonIn):
    from .models import ApprovalTask

    req = selectors.request_get(user=request.user, pk=request_id)
    task = ApprovalTask.objects.filter(pk=payload.task_id, request=req).first() if payload.task_id else None
    services.approval_reassign(
        actor=request.user, request=req, to=_user(payload.user, "user"), comment=payload.comment, task=task
    )
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


@router.post(
    "/requests/{request_id}/add-approver",
    response=RequestDetailOut,
    summary="Add an approver to the current step (加签)",
)
def add_approver(request, request_id: int, payload: PersonIn):
    req = selectors.request_get(user=request.user, pk=request_id)
    services.approval_add_approver(
        actor=request.user, request=req, user=_user(payload.user, "user"), comment=payload.comment
    )
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


@router.post("/requests/{request_id}/cc", response=RequestDetailOut, summary="Copy people in (抄送)")
def copy_in(request, request_id: int, payload: CopyIn):
    req = selectors.request_get(user=request.user, pk=request_id)
    users = [_user(u, "users") for u in payload.users]
    services.approval_cc_add(actor=request.user, request=req, users=users)
    return _detail(request, selectors.request_get(user=request.user, pk=request_id))


def _delegation_out(d) -> DelegationOut:
    return DelegationOut(
        id=d.pk,
        user=UserRef.of(d.user),
        delegate=UserRef.of(d.delegate),
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        reason=d.reason,
        revoked_at=d.revoked_at,
        in_force=selectors.delegation_in_force(d),
    )


@router.get("/delegations", response=list[DelegationOut], summary="My delegations, as approver or delegate")
def delegations(request):
    return [_delegation_out(d) for d in selectors.delegations_for(user=request.user)[:200]]


@router.post("/delegations", response={201: DelegationOut}, summary="Delegate my approvals for a date range")
def delegation_create(request, payload: DelegationIn):
    row = services.approval_delegation_create(
        actor=request.user,
        user=_user(payload.user, "user") if payload.user else None,
        delegate=_user(payload.delegate, "delegate"),
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        reason=payload.reason,
    )
    return Status(201, _delegation_out(row))


@router.post("/delegations/{delegation_id}/end", response=DelegationOut, summary="End a delegation now")
def delegation_end(request, delegation_id: int):
    row = selectors.delegation_get(user=request.user, pk=delegation_id)
    return _delegation_out(services.approval_delegation_end(actor=request.user, delegation=row))
