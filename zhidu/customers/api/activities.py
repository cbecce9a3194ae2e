"""``/api/v1/customers/activities…`` and ``/api/v1/customers/my-day``: follow-ups (list,
log, one with its comments), managers' comments (点评), visit check-in from a phone
(multipart, with the live photo), activity types, the overdue list, my day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from zhidu.core.errors import NotFound, ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.schemas import PageOut, page_out

from ..filtersets.activities import ActivityFilterSet, OverdueFilterSet
from ..models import Activity, ActivityType, Contact, Customer, Lead
from ..schemas.activities import (
    ActivityDetailOut,
    ActivityIn,
    ActivityOut,
    ActivityTypeOut,
    CommentIn,
    CommentOut,
    MyDayOut,
    OverdueOut,
)
from ..selectors import activities as sel
from ..services import activities as svc

router = Router()
ActivityQuery = filter_schema(ActivityFilterSet, "ActivityFilters")
OverdueQuery = filter_schema(OverdueFilterSet, "OverdueFilters")


def _check_in_out(a: Activity) -> dict | None:
    try:
        ci = a.check_in
    except Activity.check_in.RelatedObjectDoesNotExist:
        return None
    return {
        "latitude": ci.latitude,
        "longitude": ci.longitude,
        "accuracy_m": ci.accuracy_m,
        "checked_in_at": ci.checked_in_at,
        "client_time": ci.client_time,
        "distance_m": ci.distance_m,
        "flagged": ci.flagged,
        "flag_reason": ci.flag_reason,
        "has_photo": bool(ci.photo),
    }


def activity_out(a: Activity) -> dict:
    return {
        "id": a.pk,
        "customer_id": a.customer_id,
        "customer_name": a.customer.name if a.customer_id else None,
        "lead_id": a.lead_id,
        "contact_id": a.contact_id,
        "owner_id": a.owner_id,
        "owner_name": str(a.owner) if a.owner_id else None,
        "type": a.type.code,
        "type_name": str(a.type),
        "occurred_at": a.occurred_at,
        "content": a.content,
        "outcome": a.outcome,
        "next_step": a.next_step,
        "next_date": a.next_date,
        "is_valid": a.is_valid,
        "validity_reason": a.validity_reason,
        "policy_version_id": a.policy_version_id,
        "policy_ref": a.policy_ref,
        "check_in": _check_in_out(a),
        "comment_count": getattr(a, "comment_count", 0),
        "attachment_count": getattr(a, "attachment_count", 0),
    }


def _comment_out(c) -> dict:
    return {
        "id": c.pk,
        "author_id": c.author_id,
        "author_name": str(c.author),
        "content": c.content,
        "created_at": c.created_at,
    }


def _type(code: str) -> ActivityType:
    t = ActivityType.objects.filter(code=code, is_active=True).first()
    if t is None:
        raise ValidationError(_("Choose an active kind of follow-up."), fields={"type": [code]})
    return t


def _customer(user, pk: int | None) -> Customer | None:
    if pk is None:
        return None
    c = Customer.objects.alive().visible_to(user, Action.VIEW).filter(pk=pk).first()
    if c is None:
        raise NotFound()
    return c


def _contact(customer: Customer | None, pk: int | None) -> Contact | None:
    if pk is None:
        return None
    contact = Contact.objects.filter(pk=pk).first()
    if contact is None or customer is None or contact.customer_id != customer.pk:
        raise ValidationError(_("This contact does not belong to the customer."), fields={"contact_id": [str(pk)]})
    return contact


def _lead(user, pk: int | None) -> Lead | None:
    if pk is None:
        return None
    lead = Lead.objects.filter(pk=pk).first()
    if lead is None:
        raise NotFound()
    return lead


@router.get("/activities/types", response=list[ActivityTypeOut], summary="Kinds of follow-up (active ones)")
def types(request):
    return list(sel.activity_types())


@router.get("/activities", response=PageOut[ActivityOut], summary="Follow-ups in my scope")
def activities(request, filters: Query[ActivityQuery]):  # type: ignore[valid-type]
    qs = sel.activity_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [activity_out(a) for a in page.items]
    return page_out(page)


@router.post("/activities", response={201: ActivityOut}, summary="Log a follow-up (validity by policy)")
def activity_create(request, payload: ActivityIn):
    customer = _customer(request.user, payload.customer_id)
    a = svc.activity_log(
        actor=request.user,
        customer=customer,
        type=_type(payload.type),
        content=payload.content,
        outcome=payload.outcome,
        next_step=payload.next_step,
        next_date=payload.next_date,
        occurred_at=payload.occurred_at,
        contact=_contact(customer, payload.contact_id),
        lead=_lead(request.user, payload.lead_id),
    )
    return Status(201, activity_out(sel.activity_get(user=request.user, pk=a.pk)))


class CheckInForm(Schema):
    customer_id: int
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None
    client_time: dt.datetime | None = None
    content: str = ""
    outcome: str = ""
    next_step: str = ""
    next_date: dt.date | None = None
    contact_id: int | None = None


@router.post(
    "/activities/check-in",
    response={201: ActivityOut},
    summary="Visit check-in (拜访签到): multipart with position, accuracy and a live photo",
)
def check_in(request, payload: Form[CheckInForm], photo: UploadedFile | None = File(None)):  # noqa: B008
    customer = _customer(request.user, payload.customer_id)
    a = svc.visit_check_in(
        actor=request.user,
        customer=customer,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        client_time=payload.client_time,
        photo=photo,
        content=payload.content,
        outcome=payload.outcome,
        next_step=payload.next_step,
        next_date=payload.next_date,
        contact=_contact(customer, payload.contact_id),
    )
    return Status(201, activity_out(sel.activity_get(user=request.user, pk=a.pk)))


@router.get("/activities/overdue", response=PageOut[OverdueOut], summary="Customers overdue for a follow-up")
def overdue(request, filters: Query[OverdueQuery]):  # type: ignore[valid-type]
    qs = sel.overdue_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [
        {
            "customer_id": o.customer.pk,
            "customer_name": o.customer.name,
            "tier": o.customer.tier,
            "owner_id": o.customer.owner_id,
            "owner_name": str(o.customer.owner) if o.customer.owner_id else None,
            "last_valid_follow_up_at": o.last,
            "due": o.due,
            "days_over": o.days_over,
            "frequency_days": o.frequency_days,
        }
        for o in sel.overdue_explain(page.items)
    ]
    return page_out(page)


@router.get("/activities/{int:activity_id}", response=ActivityDetailOut, summary="One follow-up with comments")
def activity_detail(request, activity_id: int):
    a = sel.activity_get(user=request.user, pk=activity_id)
    out = activity_out(a)
    out["comments"] = [_comment_out(c) for c in sel.activity_comments(a)]
    out["attachments"] = [
        {"id": f.pk, "name": f.name, "size": f.size, "content_type": f.content_type} for f in a.attachments.all()
    ]
    return out


@router.post("/activities/{int:activity_id}/comments", response={201: CommentOut}, summary="A manager's comment (点评)")
def comment(request, activity_id: int, payload: CommentIn):
    a = sel.activity_get(user=request.user, pk=activity_id)
    return Status(201, _comment_out(svc.activity_comment_add(actor=request.user, activity=a, content=payload.content)))


def _item(kind: str, title: str, **kw) -> dict:
    return {"kind": kind, "title": title, **kw}


@router.get("/my-day", response=MyDayOut, summary="My day: follow-ups due, overdue, near recycling, leads, key dates")
def my_day(request):
    d = sel.my_day(user=request.user)
    return {
        "today": d.today,
        "due": [
            _item(
                "follow_up",
                a.customer.name if a.customer_id else str(a.lead),
                customer_id=a.customer_id,
                lead_id=a.lead_id,
                date=a.next_date,
                detail=a.next_step,
            )
            for a in d.due
        ],
        "overdue": [
            _item("overdue", o.customer.name, customer_id=o.customer.pk, date=o.due, detail=str(o.days_over))
            for o in d.overdue
        ],
        "near_recycling": [
            _item("recycle", f.customer.name, customer_id=f.customer.pk, date=f.due, detail=f.reason)
            for f in d.near_recycling
        ],
        "protection_ending": [
            _item("protection", c.name, customer_id=c.pk, date=c.protected_until) for c in d.protection_ending
        ],
        "leads": [
            _item("lead", lead.company or lead.contact_name, lead_id=lead.pk, date=None, detail=lead.status)
            for lead in d.leads
        ],
        "key_dates": [
            _item("key_date", k.contact.name, customer_id=k.contact.customer_id, date=k.date, detail=k.label)
            for k in d.key_dates
        ],
        "steps": [
            _item("step", s.title, customer_id=s.plan.customer_id, date=s.due_date, detail=s.plan.title)
            for s in d.steps
        ],
    }
