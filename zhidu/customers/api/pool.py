"""``/api/v1/customers/pool/``: pools, pool customers (contact details masked until
claimed), claim, release, assignment by a manager, the event log, my claim quota.
Handlers validate and call selectors and services; refusals come back as
``{code, message, fields}``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhidu.core.errors import NotFound, ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.models import User
from zhidu.org.schemas import PageOut, page_out

from ..filtersets.pool import PoolCustomerFilterSet, PoolEventFilterSet
from ..models import Customer, PoolEvent
from ..schemas.pool import (
    AssignIn,
    ClaimQuotaOut,
    PoolCustomerOut,
    PoolEventOut,
    PoolMoveOut,
    PoolOut,
    ReleaseIn,
)
from ..selectors import pool as sel
from ..selectors.customers import contact_view
from ..services import pool as svc

router = Router()
PoolCustomerQuery = filter_schema(PoolCustomerFilterSet, "PoolCustomerFilters")
PoolEventQuery = filter_schema(PoolEventFilterSet, "PoolEventFilters")


def pool_customer_out(c: Customer) -> dict:
    contacts = []
    for contact in getattr(c, "pool_contacts", [])[:3]:
        v = contact_view(contact, masked=True)
        contacts.append({"name": v.name, "title": v.title, "phone": v.phone, "wechat": v.wechat, "email": v.email})
    return {
        "id": c.pk,
        "name": c.name,
        "tier": c.tier,
        "status": c.status,
        "industry": c.industry,
        "province": c.province,
        "city": c.city,
        "pool_id": c.pool_id,
        "pool_name": c.pool.name if c.pool_id else "",
        "in_pool_since": getattr(c, "pool_since", None),
        "how": getattr(c, "pool_kind", None),
        "reason": getattr(c, "pool_reason", None),
        "former_owner_id": getattr(c, "former_owner_id", None),
        "contacts": contacts,
    }


def pool_event_out(e: PoolEvent) -> dict:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "customer_id": e.customer_id,
        "customer_name": e.customer.name,
        "pool_id": e.pool_id,
        "pool_name": e.pool.name,
        "actor_id": e.actor_id,
        "actor_name": str(e.actor) if e.actor_id else None,
        "from_owner_id": e.from_owner_id,
        "to_owner_id": e.to_owner_id,
        "reason": e.reason,
        "policy_version_id": e.policy_version_id,
        "policy_ref": e.policy_ref,
    }


def _move_out(c: Customer) -> dict:
    return {
        "customer_id": c.pk,
        "customer_name": c.name,
        "owner_id": c.owner_id,
        "pool_id": c.pool_id,
        "protected_until": c.protected_until,
    }


@router.get("/pools", response=list[PoolOut], summary="Public pools I belong to or oversee")
def pools(request):
    return [
        {
            "id": p.pk,
            "name": p.name,
            "unit_id": p.unit_id,
            "unit_name": p.unit.name if p.unit_id else None,
            "is_active": p.is_active,
        }
        for p in sel.pool_list(user=request.user)
    ]


@router.get("/customers", response=PageOut[PoolCustomerOut], summary="Customers in my pools (contacts masked)")
def pool_customers(request, filters: Query[PoolCustomerQuery]):  # type: ignore[valid-type]
    qs = sel.pool_customer_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [pool_customer_out(c) for c in page.items]
    return page_out(page)


@router.get("/customers/{int:customer_id}", response=PoolCustomerOut, summary="One pool customer (contacts masked)")
def pool_customer(request, customer_id: int):
    return pool_customer_out(sel.pool_customer_get(user=request.user, pk=customer_id))


@router.post("/customers/{int:customer_id}/claim", response=PoolMoveOut, summary="Claim (领取) a pool customer")
def claim(request, customer_id: int):
    return _move_out(svc.customer_claim(actor=request.user, customer=customer_id))


@router.post(
    "/customers/{int:customer_id}/assign", response=PoolMoveOut, summary="Give a pool customer to someone (managers)"
)
def assign(request, customer_id: int, payload: AssignIn):
    to = User.objects.filter(pk=payload.to_user_id, is_active=True).first()
    if to is None:
        raise ValidationError(_("There is no such active user."), fields={"to_user_id": [str(payload.to_user_id)]})
    return _move_out(
        svc.customer_assign_from_pool(actor=request.user, customer=customer_id, to=to, reason=payload.reason)
    )


@router.post("/releases", response={201: PoolMoveOut}, summary="Release (退回) a customer to the pool, with a reason")
def release(request, payload: ReleaseIn):
    if not Customer.objects.filter(pk=payload.customer_id).exists():
        raise NotFound()
    c = svc.customer_release(actor=request.user, customer=payload.customer_id, reason=payload.reason)
    return Status(201, _move_out(c))


@router.get("/events", response=PageOut[PoolEventOut], summary="Claims, releases, recycles, assignments")
def events(request, filters: Query[PoolEventQuery]):  # type: ignore[valid-type]
    qs = sel.pool_event_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [pool_event_out(e) for e in page.items]
    return page_out(page)


@router.get("/quota", response=ClaimQuotaOut, summary="My claims today, daily limit, holding and cap")
def quota(request):
    q = sel.claim_quota(user=request.user)
    return {
        "claimed_today": q.claimed_today,
        "per_day": q.per_day,
        "left_today": q.left_today,
        "held": q.held,
        "cap": q.cap,
        "cooldown_days": q.cooldown_days,
        "policy_ref": q.policy_ref,
    }
