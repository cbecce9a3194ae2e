"""``/api/v1/customers/``: transfers (客户转移), handovers (离职交接) and bulk actions, each
with a result per row. Handlers validate and call the services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhidu.core.errors import ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.models import User
from zhidu.org.schemas import PageOut, page_out

from ..filtersets.transfers import TransferFilterSet
from ..models import PublicPool, Tag, Transfer
from ..schemas.transfers import BulkIn, HandoverIn, HandoverSummaryOut, TransferDetailOut, TransferIn, TransferOut
from ..selectors import transfers as sel
from ..services import bulk_actions as bulk_svc
from ..services import transfers as svc

router = Router(tags=["customers: transfers"])
TransferQuery = filter_schema(TransferFilterSet, "TransferFilters")


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    u = User.objects.filter(pk=pk).first()
    if u is None:
        raise ValidationError(_("There is no such user."), fields={field: [str(pk)]})
    return u


def _pool(pk: int | None) -> PublicPool | None:
    if pk is None:
        return None
    p = PublicPool.objects.filter(pk=pk).first()
    if p is None:
        raise ValidationError(_("There is no such pool."), fields={"to_pool_id": [str(pk)]})
    return p


def transfer_out(t: Transfer, *, items: bool = False) -> dict:
    out = {
        "id": t.pk,
        "kind": t.kind,
        "created_at": t.created_at,
        "actor_id": t.actor_id,
        "from_user_id": t.from_user_id,
        "to_user_id": t.to_user_id,
        "to_pool_id": t.to_pool_id,
        "reason": t.reason,
        "total": t.total,
        "succeeded": t.succeeded,
        "failed": t.failed,
        "options": t.options,
    }
    if items:
        out["items"] = [
            {
                "object_type": i.object_type,
                "object_id": i.object_id,
                "object_repr": i.object_repr,
                "ok": i.ok,
                "message": i.message,
            }
            for i in sel.transfer_items(t)
        ]
    return out


@router.get("/transfers", response=PageOut[TransferOut], summary="Transfers, handovers and bulk actions I may see")
def transfers(request, filters: Query[TransferQuery]):  # type: ignore[valid-type]
    qs = sel.transfer_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [transfer_out(t) for t in page.items]
    return page_out(page)


@router.get("/transfers/{int:transfer_id}", response=TransferDetailOut, summary="One transfer with its result per row")
def transfer(request, transfer_id: int):
    return transfer_out(sel.transfer_get(user=request.user, pk=transfer_id), items=True)


@router.post("/transfers", response={201: TransferDetailOut}, summary="Transfer customers to a person or a pool")
def transfer_create(request, payload: TransferIn):
    t = svc.customer_transfer(
        actor=request.user,
        customers=payload.customer_ids,
        from_user=_user(payload.from_user_id, "from_user_id"),
        to_user=_user(payload.to_user_id, "to_user_id"),
        to_pool=_pool(payload.to_pool_id),
        reason=payload.reason,
        include=payload.include,
    )
    return Status(201, transfer_out(t, items=True))


@router.get("/handovers/{int:user_id}", response=HandoverSummaryOut, summary="What a person still holds")
def handover_summary(request, user_id: int):
    person = get_object_or_404(User, pk=user_id)
    if not svc.person_in_scope(request.user, person):
        from zhidu.core.errors import NotFound

        raise NotFound()
    s = sel.handover_summary(person=person)
    return {
        "user_id": person.pk,
        "customers": s.customers,
        "paying": s.paying,
        "protected": s.protected,
        "locked": s.locked,
        "open_leads": s.open_leads,
        "open_steps": s.open_steps,
        "approval_tasks": s.approval_tasks,
        "blocking": [[label, n] for label, n in s.blocking],
        "can_deactivate": s.can_deactivate,
    }


@router.post(
    "/handovers/{int:user_id}", response={201: TransferDetailOut}, summary="Hand over everything a person holds"
)
def handover(request, user_id: int, payload: HandoverIn):
    person = get_object_or_404(User, pk=user_id)
    t = svc.customer_handover(
        actor=request.user,
        from_user=person,
        to_user=_user(payload.to_user_id, "to_user_id"),
        to_pool=_pool(payload.to_pool_id),
        reason=payload.reason,
        include=payload.include,
    )
    return Status(201, transfer_out(t, items=True))


@router.post("/bulk", response={201: TransferDetailOut}, summary="A bulk action on customers, a result per row")
def bulk(request, payload: BulkIn):
    tag = None
    if payload.tag_id is not None:
        tag = Tag.objects.select_related("group").filter(pk=payload.tag_id).first()
        if tag is None:
            raise ValidationError(_("There is no such tag."), fields={"tag_id": [str(payload.tag_id)]})
    t = bulk_svc.customer_bulk_action(
        actor=request.user,
        action=payload.action,
        customers=payload.customer_ids,
        reason=payload.reason,
        to_user=_user(payload.to_user_id, "to_user_id"),
        to_pool=_pool(payload.to_pool_id),
        tag=tag,
    )
    return Status(201, transfer_out(t, items=True))
