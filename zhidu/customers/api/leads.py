"""``/api/v1/customers/leads``: leads (create with the duplicate check, list, detail,
update), screening (checklist, qualify, disqualify), status, conversion into a customer,
assignment (a person or the automatic turn, one or many), the allocation explanation and
the fairness report. Handlers validate and call selectors and services; refusals come
back as ``{code, message, fields}`` (duplicates add ``duplicates``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zhidu.core.errors import NotFound, ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.masking import email_for, phone_for
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, User
from zhidu.org.schemas import PageOut, page_out

from ..filtersets.leads import LeadFilterSet
from ..models import Allocation, Customer, Lead
from ..schemas.leads import (
    AllocationOut,
    AssignIn,
    BulkAssignIn,
    ChecklistIn,
    ConvertIn,
    ConvertOut,
    DisqualifyIn,
    FairnessOut,
    LeadIn,
    LeadOut,
    LeadUpdateIn,
    QualifyIn,
    RowResultOut,
    StatusIn,
)
from ..selectors import leads as sel
from ..services import allocation as alloc_svc
from ..services import leads as svc

router = Router()
LeadQuery = filter_schema(LeadFilterSet, "LeadFilters")


def lead_out(lead: Lead, user, *, matches=None) -> dict:
    owner = lead.owner if lead.owner_id else None
    unit = lead.owner_unit if lead.owner_unit_id else None
    return {
        "id": lead.pk,
        "company": lead.company,
        "contact_name": lead.contact_name,
        "title": lead.title,
        "phone": phone_for(user, svc.OT, lead.phone),
        "email": email_for(user, svc.OT, lead.email),
        "wechat": lead.wechat,
        "province": lead.province,
        "city": lead.city,
        "industry": lead.industry,
        "product_line": lead.product_line,
        "source": lead.source,
        "source_detail": lead.source_detail,
        "notes": lead.notes,
        "status": lead.status,
        "disqualify_reason": lead.disqualify_reason,
        "disqualify_note": lead.disqualify_note,
        "qualification": lead.qualification or {},
        "owner": {"id": owner.pk, "name": str(owner)} if owner is not None else None,
        "unit": {"id": unit.pk, "name": unit.name} if unit is not None else None,
        "assigned_at": lead.assigned_at,
        "first_response_due": lead.first_response_due,
        "first_touched_at": lead.first_touched_at,
        "allocation_id": lead.allocation_id,
        "converted_customer_id": lead.converted_customer_id,
        "converted_contact_id": lead.converted_contact_id,
        "converted_at": lead.converted_at,
        "created_at": lead.created_at,
        "customer_matches": [m.as_dict() for m in matches] if matches is not None else None,
    }


def allocation_out(a: Allocation) -> dict:
    view = sel.allocation_for_viewer(a)
    return {
        "id": a.pk,
        "lead_id": a.lead_id,
        "at": a.at,
        "method": a.method,
        "assignee": {"id": a.assignee_id, "name": str(a.assignee)},
        "assigned_by": {"id": a.assigned_by_id, "name": str(a.assigned_by)} if a.assigned_by_id else None,
        "policy_version_id": a.policy_version_id,
        "policy_ref": a.policy_ref,
        "explanation": view["lines"],
        "candidates": [
            {
                "user_id": c["user_id"],
                "name": c["name"],
                "unit": c.get("unit", ""),
                "capacity": c.get("capacity", 0),
                "load": c.get("load", 0),
                "open_leads": c.get("open_leads", 0),
                "held": c.get("held"),
                "holding_cap": c.get("holding_cap"),
                "match": c.get("match") or {},
                "eligible": bool(c.get("eligible")),
                "skip": c.get("skip") or "",
                "skip_text": c.get("skip_text", ""),
                "fair_share": c.get("fair_share"),
            }
            for c in view["candidates"]
        ],
        "inputs": a.inputs,
    }


def _get(request, lead_id: int, action: str = Action.VIEW) -> Lead:
    return sel.lead_get(user=request.user, pk=lead_id, action=action)


def _fresh(request, lead_id: int) -> dict:
    return lead_out(_get(request, lead_id), request.user)


def _person(user_id: int, field: str) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise ValidationError(_("There is no such active user."), fields={field: [str(user_id)]})
    return person


# --- fairness (before /{id} so the path is not read as an id) ---------------------------------


class FairnessQuery(Schema):
    unit_id: int | None = Field(None, description="The unit (default: your own team).")
    period: str = Field("month", description="month or week")
    date: dt.date | None = Field(None, description="Any day in the period (default: today)")


@router.get("/fairness", response=FairnessOut, summary="Fairness report of a unit for a week or a month")
def fairness(request, q: Query[FairnessQuery]):  # type: ignore[valid-type]
    if q.period not in ("month", "week"):
        raise ValidationError(_("The period is month or week."), fields={"period": [q.period]})
    unit = sel.fairness_unit_get(user=request.user, unit_id=q.unit_id)
    return sel.fairness_report(unit=unit, period=sel.period_of(q.period, q.date)).as_dict()


# --- leads ---------------------------------------------------------------------------------------


@router.get("", response=PageOut[LeadOut], summary="Leads I may see (filters as on the list page)")
def leads(request, filters: Query[LeadQuery]):  # type: ignore[valid-type]
    qs = sel.lead_list(user=request.user, filters=query_to_data(filters), request=request)
    page = paginate(qs, filters.page, filters.page_size, max_per_page=200)
    page.items = [lead_out(x, request.user) for x in page.items]
    return page_out(page)


@router.post("", response={201: LeadOut}, summary="Create a lead (duplicate check; allocation by policy)")
def create(request, payload: LeadIn):
    data = payload.dict(exclude={"unit_id", "assign", "reason", "on_duplicate"})
    unit = None
    if payload.unit_id is not None:
        unit = OrgUnit.objects.filter(pk=payload.unit_id, is_active=True).first()
        if unit is None:
            raise ValidationError(_("There is no such org unit."), fields={"unit_id": [str(payload.unit_id)]})
    assign: str | User | None = payload.assign or None
    if isinstance(assign, str) and assign.isdigit():
        assign = _person(int(assign), "assign")
    lead = svc.lead_create(
        actor=request.user,
        data=data,
        unit=unit,
        assign=assign,
        reason=payload.reason,
        on_duplicate=payload.on_duplicate,
    )
    matches = getattr(lead, "customer_matches", [])
    lead = Lead.objects.select_related("owner", "owner_unit").get(pk=lead.pk)
    return Status(201, lead_out(lead, request.user, matches=matches))


@router.get("/{int:lead_id}", response=LeadOut, summary="One lead, with customers it looks like")
def detail(request, lead_id: int):
    lead = _get(request, lead_id)
    return lead_out(lead, request.user, matches=svc.lead_customer_matches(lead))


@router.patch("/{int:lead_id}", response=LeadOut, summary="Edit a lead's details")
def update(request, lead_id: int, payload: LeadUpdateIn):
    lead = _get(request, lead_id)
    svc.lead_update(actor=request.user, lead=lead, data=payload.dict(exclude_unset=True))
    return _fresh(request, lead_id)


@router.post("/{int:lead_id}/status", response=LeadOut, summary="Start working a lead, or reopen it")
def status(request, lead_id: int, payload: StatusIn):
    svc.lead_status_set(actor=request.user, lead=_get(request, lead_id), status=payload.status)
    return _fresh(request, lead_id)


@router.post("/{int:lead_id}/checklist", response=LeadOut, summary="Record qualification checklist answers")
def checklist(request, lead_id: int, payload: ChecklistIn):
    svc.lead_checklist_update(actor=request.user, lead=_get(request, lead_id), answers=payload.answers)
    return _fresh(request, lead_id)


@router.post("/{int:lead_id}/qualify", response=LeadOut, summary="Qualify (the checklist must pass the policy)")
def qualify(request, lead_id: int, payload: QualifyIn):
    svc.lead_qualify(actor=request.user, lead=_get(request, lead_id), answers=payload.answers)
    return _fresh(request, lead_id)


@router.post("/{int:lead_id}/disqualify", response=LeadOut, summary="Disqualify with a reason (空号, 同行, 重复, …)")
def disqualify(request, lead_id: int, payload: DisqualifyIn):
    svc.lead_disqualify(actor=request.user, lead=_get(request, lead_id), reason=payload.reason, note=payload.note)
    return _fresh(request, lead_id)


@router.post(
    "/{int:lead_id}/convert", response=ConvertOut, summary="Convert into a customer and contact (duplicate-aware)"
)
def convert(request, lead_id: int, payload: ConvertIn):
    lead = _get(request, lead_id)
    customer = None
    if payload.customer_id is not None:
        customer = Customer.objects.alive().filter(pk=payload.customer_id).first()
        if customer is None:
            raise NotFound()
    lead = svc.lead_convert(
        actor=request.user,
        lead=lead,
        customer=customer,
        customer_data=payload.customer,
        contact_data=payload.contact,
    )
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "customer_id": lead.converted_customer_id,
        "customer_name": lead.converted_customer.name if lead.converted_customer else "",
        "contact_id": lead.converted_contact_id,
    }


@router.post("/{int:lead_id}/assign", response=AllocationOut, summary="Assign to a person, or through the turn")
def assign(request, lead_id: int, payload: AssignIn):
    lead = _get(request, lead_id)
    if payload.to_user_id is None:
        a = alloc_svc.lead_allocate(actor=request.user, lead=lead)
        if a is None:
            from zhidu.core.errors import Conflict

            raise Conflict(_("Nobody could take the lead; assign it to someone by hand."), code="nobody_eligible")
    else:
        a = alloc_svc.lead_assign(
            actor=request.user, lead=lead, to=_person(payload.to_user_id, "to_user_id"), reason=payload.reason
        )
    return allocation_out(Allocation.objects.select_related("assignee", "assigned_by").get(pk=a.pk))


@router.post("/bulk-assign", response=list[RowResultOut], summary="Assign many leads; a result per row")
def bulk_assign(request, payload: BulkAssignIn):
    to = _person(payload.to_user_id, "to_user_id") if payload.to_user_id is not None else None
    visible = set(sel.lead_list(user=request.user).filter(pk__in=payload.lead_ids).values_list("pk", flat=True))
    results = alloc_svc.lead_assign_bulk(
        actor=request.user, lead_ids=[i for i in payload.lead_ids if i in visible], to=to, reason=payload.reason
    )
    results += [
        alloc_svc.RowResult(i, False, str(NotFound.default_message)) for i in payload.lead_ids if i not in visible
    ]
    return [{"lead_id": r.lead_id, "ok": r.ok, "message": r.message} for r in results]


@router.get("/{int:lead_id}/allocation", response=AllocationOut, summary="Why did this lead go to this person?")
def allocation(request, lead_id: int):
    lead = _get(request, lead_id)
    qs = Allocation.objects.filter(lead=lead).select_related("assignee", "assigned_by")
    a = qs.filter(pk=lead.allocation_id).first() if lead.allocation_id else None
    if a is None:
        raise NotFound(_("This lead has no current allocation."))
    return allocation_out(a)


@router.get("/{int:lead_id}/allocations", response=list[AllocationOut], summary="Every allocation of the lead")
def allocations(request, lead_id: int):
    lead = _get(request, lead_id)
    return [allocation_out(a) for a in sel.lead_allocations(lead)]
