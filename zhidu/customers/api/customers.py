"""``/api/v1/customers/``: customers, contacts, collaborators, tags, the recycle bin, the
duplicate check and conflict claims. Handlers validate and call selectors and services;
refusals come back as ``{code, message, fields}`` (a duplicate adds ``duplicates``)."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhidu.core.errors import NotFound, PermissionDenied, ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.schemas import PageOut, page_out

from ..filtersets.customers import CustomerFilterSet
from ..models import ConflictClaim, Customer, Tag
from ..schemas.customers import (
    CollaboratorIn,
    CollaboratorOut,
    ConflictClaimIn,
    ConflictClaimOut,
    ConflictDecideIn,
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomerRequestOut,
    DeleteIn,
    DuplicateCheckIn,
    DuplicateCheckOut,
    LockIn,
    MergeIn,
    ReasonIn,
    TagsIn,
)
from ..selectors import customers as sel
from ..services import contacts as contact_svc
from ..services import customers as svc
from ..services import locks as lock_svc
from ..services import tags as tag_svc
from ..services.conflicts import conflict_claim_decide, conflict_claim_file, conflict_claim_withdraw, conflict_claims_q
from ..services.duplicates import find_duplicates

router = Router()
CustomerQuery = filter_schema(CustomerFilterSet, "CustomerFilters")


def _data(payload, user, *, partial: bool) -> dict:
    """The payload as the services take it; ``parent_id`` goes through as is (the service
    refuses a parent the user may not see, the customer itself or one of its branches)."""
    raw = payload.dict(exclude_unset=partial)
    raw.pop("contact", None)
    raw.pop("owner_id", None)
    return {k: ("" if v is None and k not in ("latitude", "longitude", "parent_id") else v) for k, v in raw.items()}


# --- customers -------------------------------------------------------------------------------


@router.get("/", response=PageOut[CustomerOut], summary="Customers I may see (search: name, pinyin, initials)")
def customer_list(request, filters: Query[CustomerQuery]):  # type: ignore[valid-type]
    qs = sel.customer_list(user=request.user, filters=query_to_data(filters), request=request)
    return page_out(paginate(qs, filters.page, filters.page_size))


@router.post("/", response={201: CustomerOut}, summary="Register a customer (客户报备), with duplicate check")
def customer_create(request, payload: CustomerIn):
    owner = None
    if payload.owner_id is not None:
        owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
        if owner is None:
            raise ValidationError(_("There is no such active user."), fields={"owner_id": [str(payload.owner_id)]})
    contact = payload.contact.dict() if payload.contact else None
    customer = svc.customer_register(
        actor=request.user, data=_data(payload, request.user, partial=False), owner=owner, contact=contact
    )
    return Status(201, customer)


@router.get("/recycle-bin", response=PageOut[CustomerOut], summary="The recycle bin (admins; managers in scope)")
def recycle_bin(request, page: int = 1, page_size: int = 50):
    return page_out(paginate(sel.recycle_bin_list(user=request.user), page, min(page_size, 200)))


@router.post("/duplicates/check", response=DuplicateCheckOut, summary="查重: what an existing record would clash")
def duplicates_check(request, payload: DuplicateCheckIn):
    """Shows only the name, the owner and the protected-until date of matches."""
    if not request.user.is_active:
        raise PermissionDenied()
    matches = find_duplicates(
        name=payload.name,
        credit_code=payload.credit_code,
        phones=[payload.phone],
        emails=[payload.email],
        exclude_customer_id=payload.exclude_id,
    )
    return {"duplicates": [m.as_dict() for m in matches]}


@router.get("/{int:customer_id}", response=CustomerOut, summary="One customer")
def customer_detail(request, customer_id: int):
    return sel.customer_get(user=request.user, pk=customer_id)


@router.patch("/{int:customer_id}", response=CustomerOut, summary="Edit a customer")
def customer_edit(request, customer_id: int, payload: CustomerPatch):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    return svc.customer_update(actor=request.user, customer=customer, data=_data(payload, request.user, partial=True))


@router.delete("/{int:customer_id}", response={204: None}, summary="Move to the recycle bin (30 days)")
def customer_remove(request, customer_id: int, payload: DeleteIn | None = None):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    svc.customer_delete(actor=request.user, customer=customer, reason=payload.reason if payload else "")
    return Status(204, None)


@router.post("/{int:customer_id}/restore", response=CustomerOut, summary="Restore from the recycle bin (admin)")
def customer_restore(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id) if request.user.is_superuser else None
    if customer is None:
        raise PermissionDenied(_("Only an administrator restores or purges customers from the recycle bin."))
    return svc.customer_restore(actor=request.user, customer=customer)


@router.post("/{int:customer_id}/purge", response={204: None}, summary="Delete for good from the recycle bin (admin)")
def customer_purge(request, customer_id: int):
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only an administrator restores or purges customers from the recycle bin."))
    svc.customer_purge(actor=request.user, customer=get_object_or_404(Customer, pk=customer_id))
    return Status(204, None)


@router.post("/{int:customer_id}/merge", response=CustomerOut, summary="Merge another record into this one (managers)")
def customer_merge(request, customer_id: int, payload: MergeIn):
    target = sel.customer_get(user=request.user, pk=customer_id)
    source = sel.customer_get(user=request.user, pk=payload.source_id)
    return svc.customer_merge(actor=request.user, target=target, source=source, reason=payload.reason)


@router.post("/{int:customer_id}/lock", response={201: CustomerRequestOut}, summary="Ask to lock (锁定), by approval")
def customer_lock(request, customer_id: int, payload: LockIn):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    req = lock_svc.customer_lock_request(
        actor=request.user, customer=customer, until=payload.until, reason=payload.reason
    )
    return Status(201, req)


@router.post("/{int:customer_id}/unlock", response=CustomerOut, summary="Lift a lock")
def customer_unlock(request, customer_id: int):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    return lock_svc.customer_unlock(actor=request.user, customer=customer)


@router.post(
    "/{int:customer_id}/protection-extension",
    response={201: CustomerRequestOut},
    summary="Ask for the one further protection extension, by approval",
)
def customer_extension(request, customer_id: int, payload: ReasonIn):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    req = lock_svc.customer_protection_extend_request(actor=request.user, customer=customer, reason=payload.reason)
    return Status(201, req)


# --- contacts ---------------------------------------------------------------------------------


def _contact_out(contact, masked: bool) -> dict:
    v = sel.contact_view(contact, masked)
    return {
        "id": contact.pk,
        "customer_id": contact.customer_id,
        "name": contact.name,
        "title": contact.title,
        "department": contact.department,
        "decision_role": contact.decision_role,
        "is_primary": contact.is_primary,
        "is_active": contact.is_active,
        "phone": v.phone,
        "phone2": v.phone2,
        "email": v.email,
        "wechat": v.wechat,
        "masked": masked,
        "birthday": contact.birthday,
        "notes": contact.notes,
        "key_dates": list(contact.key_dates.all()),
    }


@router.get("/{int:customer_id}/contacts", response=list[ContactOut], summary="A customer's contacts")
def contact_list(request, customer_id: int):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    masked = sel.contacts_masked(request.user, customer)
    return [_contact_out(c, masked) for c in sel.contact_list(user=request.user, customer=customer)]


@router.post("/{int:customer_id}/contacts", response={201: ContactOut}, summary="Add a contact")
def contact_create(request, customer_id: int, payload: ContactIn):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    contact = contact_svc.contact_create(actor=request.user, customer=customer, data=payload.dict())
    return Status(201, _contact_out(contact, sel.contacts_masked(request.user, customer)))


@router.patch("/contacts/{int:contact_id}", response=ContactOut, summary="Edit a contact")
def contact_edit(request, contact_id: int, payload: ContactPatch):
    contact = sel.contact_get(user=request.user, pk=contact_id)
    data = {k: ("" if v is None and k != "birthday" else v) for k, v in payload.dict(exclude_unset=True).items()}
    contact = contact_svc.contact_update(actor=request.user, contact=contact, data=data)
    return _contact_out(contact, sel.contacts_masked(request.user, contact.customer))


@router.delete("/contacts/{int:contact_id}", response={204: None}, summary="Delete a contact")
def contact_remove(request, contact_id: int):
    contact_svc.contact_delete(actor=request.user, contact=sel.contact_get(user=request.user, pk=contact_id))
    return Status(204, None)


# --- collaborators and tags ---------------------------------------------------------------------


@router.get("/{int:customer_id}/collaborators", response=list[CollaboratorOut], summary="Collaborators (协作人)")
def collaborator_list(request, customer_id: int):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    return [
        {"user": {"id": c.user_id, "name": str(c.user)}, "access": c.access, "added_at": c.added_at}
        for c in sel.collaborators_of(customer)
    ]


@router.put("/{int:customer_id}/collaborators", response=CollaboratorOut, summary="Add or change a collaborator")
def collaborator_put(request, customer_id: int, payload: CollaboratorIn):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    user = User.objects.filter(pk=payload.user_id).first()
    if user is None:
        raise ValidationError(_("There is no such user."), fields={"user_id": [str(payload.user_id)]})
    row = svc.collaborator_set(actor=request.user, customer=customer, user=user, access=payload.access)
    return {"user": {"id": user.pk, "name": str(user)}, "access": row.access, "added_at": row.added_at}


@router.delete("/{int:customer_id}/collaborators/{int:user_id}", response={204: None}, summary="Remove a collaborator")
def collaborator_delete(request, customer_id: int, user_id: int):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    svc.collaborator_remove(actor=request.user, customer=customer, user=user)
    return Status(204, None)


@router.put("/{int:customer_id}/tags", response=list[int], summary="Replace a customer's tags")
def tags_put(request, customer_id: int, payload: TagsIn):
    customer = sel.customer_get(user=request.user, pk=customer_id)
    tags = list(Tag.objects.filter(pk__in=payload.tag_ids))
    if len(tags) != len(set(payload.tag_ids)):
        raise ValidationError(_("Unknown tag."), fields={"tag_ids": [_("Unknown tag.")]})
    return [t.pk for t in tag_svc.customer_tags_set(actor=request.user, customer=customer, tags=tags)]


# --- conflict claims ----------------------------------------------------------------------------


def _ref(user) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def _claim_out(c: ConflictClaim) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "customer_name": c.customer.name,
        "claimant": _ref(c.claimant),
        "existing_owner": _ref(c.existing_owner),
        "status": c.status,
        "evidence": c.evidence,
        "proposed_winner": _ref(c.proposed_winner),
        "proposal_reason": c.proposal_reason,
        "decider": _ref(c.decider),
        "decided_winner": _ref(c.decided_winner),
        "decision_reason": c.decision_reason,
        "decided_at": c.decided_at,
        "approval_id": c.approval_id,
        "policy_ref": c.policy_ref,
        "created_at": c.created_at,
    }


def _claims(user):
    qs = ConflictClaim.objects.select_related(
        "customer", "claimant", "existing_owner", "proposed_winner", "decider", "decided_winner"
    )
    if user.is_superuser:
        return qs
    return qs.filter(conflict_claims_q(user) | Q(customer__in=Customer.objects.visible_to(user, Action.VIEW)))


@router.get("/conflict-claims", response=list[ConflictClaimOut], summary="Conflict claims I filed, face or decide")
def conflict_list(request, status: str | None = None):
    qs = _claims(request.user)
    if status:
        qs = qs.filter(status=status)
    return [_claim_out(c) for c in qs.order_by("-created_at")[:200]]


@router.post("/conflict-claims", response={201: ConflictClaimOut}, summary="File a conflict claim (撞单申诉)")
def conflict_create(request, payload: ConflictClaimIn):
    claim = conflict_claim_file(
        actor=request.user,
        attempt=payload.attempt.dict(),
        evidence=payload.evidence,
        claimant_first_contact_at=payload.claimant_first_contact_at,
    )
    return Status(201, _claim_out(_claims(request.user).get(pk=claim.pk)))


@router.get("/conflict-claims/{int:claim_id}", response=ConflictClaimOut, summary="One conflict claim")
def conflict_detail(request, claim_id: int):
    claim = _claims(request.user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    return _claim_out(claim)


@router.post(
    "/conflict-claims/{int:claim_id}/decide",
    response=ConflictClaimOut,
    summary="Decide a claim directly (when it is not routed through an approval)",
)
def conflict_decide(request, claim_id: int, payload: ConflictDecideIn):
    claim = _claims(request.user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    if claim.approval_id:
        raise ValidationError(_("Decide this claim in your approvals inbox."))
    winner = claim.claimant if payload.winner == "claimant" else claim.existing_owner
    conflict_claim_decide(actor=request.user, claim=claim, winner=winner, reason=payload.reason)
    return _claim_out(_claims(request.user).get(pk=claim.pk))


@router.post("/conflict-claims/{int:claim_id}/withdraw", response=ConflictClaimOut, summary="Withdraw my claim")
def conflict_withdraw(request, claim_id: int):
    claim = _claims(request.user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    conflict_claim_withdraw(actor=request.user, claim=claim)
    return _claim_out(_claims(request.user).get(pk=claim.pk))
