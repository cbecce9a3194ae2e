"""Locks (锁定) and the one further protection extension (保护期延期), both by approval.

A locked customer is never recycled before ``locked_until`` (issue 4); a person holds at
most ``holding.max_locked`` locked customers. Protection is extended by valid follow-ups
(``services/activities.py``) and, once per receipt by the ``protection`` policy, by an
approved request. The request (``CustomerRequest``) goes through the approvals app; the
callbacks below apply it in the approval's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, main_unit

from ..choices import CustomerRequestKind, RequestStatus
from ..models import Customer, CustomerRequest
from ..policies import policy_for

logger = logging.getLogger(__name__)
OT = "customers.customer"
MAX_LOCK_DAYS = 366


def _require_edit(actor: User, customer: Customer) -> None:
    if not Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.EDIT).exists():
        if Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("You may not change this customer."))
        raise NotFound()


def locked_count(owner: User) -> int:
    return Customer.objects.alive().filter(owner=owner, locked_until__gte=timezone.localdate()).count()


def _check_lock_cap(owner: User, policy=None) -> None:
    policy = policy or policy_for("holding", unit=main_unit(owner))
    cap = policy.value.max_locked
    if cap and locked_count(owner) >= cap:
        raise LimitExceeded(
            _("%(owner)s already holds %(cap)d locked customers, the most the policy allows (%(ref)s).")
            % {"owner": owner, "cap": cap, "ref": policy.ref},
            code="lock_cap",
        )


def _submit(actor: User, req: CustomerRequest) -> None:
    try:
        from zhidu.approvals.services import approval_submit
    except ImportError:
        logger.info("approvals app not installed: customer request %s waits", req.pk)
        return
    title = (
        _("Lock %(customer)s until %(date)s") % {"customer": req.customer.name, "date": req.until}
        if req.kind == CustomerRequestKind.LOCK
        else _("Extend the protection of %(customer)s") % {"customer": req.customer.name}
    )
    request = approval_submit(
        actor=actor,
        obj=req,
        title=title,
        unit=main_unit(actor),
        snapshot_fields=["customer", "kind", "until", "reason"],
        context={"kind": req.kind},
    )
    CustomerRequest.objects.filter(pk=req.pk).update(approval_id=request.pk)
    req.approval_id = request.pk


@transaction.atomic
def customer_lock_request(*, actor: User, customer: Customer, until: dt.date, reason: str) -> CustomerRequest:
    """Ask to lock a customer until ``until``; the approval's decision applies it."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_edit(actor, customer)
    if customer.owner_id is None or customer.deleted_at is not None:
        raise Conflict(_("Only a customer someone holds can be locked."))
    today = timezone.localdate()
    if until <= today or until > today + dt.timedelta(days=MAX_LOCK_DAYS):
        msg = _("Choose a date after today and within a year.")
        raise ValidationError(msg, fields={"until": [msg]})
    if not reason.strip():
        raise ValidationError(_("Give a reason."), fields={"reason": [_("This field is required.")]})
    if CustomerRequest.objects.filter(
        customer=customer, kind=CustomerRequestKind.LOCK, status=RequestStatus.PENDING
    ).exists():
        raise Conflict(_("A lock request for this customer is already waiting for approval."))
    assert customer.owner is not None  # owner_id checked above
    _check_lock_cap(customer.owner)
    req = CustomerRequest.objects.create(
        customer=customer, kind=CustomerRequestKind.LOCK, requested_by=actor, until=until, reason=reason.strip()
    )
    audit_record(
        actor=actor, action="customer.lock_request", obj=customer, changes={"until": [None, until]}, reason=reason
    )
    _submit(actor, req)
    return req


@transaction.atomic
def customer_protection_extend_request(*, actor: User, customer: Customer, reason: str) -> CustomerRequest:
    """Ask for the one further extension the ``protection`` policy allows."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_edit(actor, customer)
    policy = policy_for("protection", unit=customer.owner_unit)
    if customer.owner_id is None or customer.deleted_at is not None:
        raise Conflict(_("Only a customer someone holds has a protection period."))
    if customer.extension_count >= policy.value.max_approval_extensions:
        raise LimitExceeded(
            _("This customer's protection was already extended the most times the policy allows (%(n)d).")
            % {"n": policy.value.max_approval_extensions},
            code="extension_cap",
        )
    if not reason.strip():
        raise ValidationError(_("Give a reason."), fields={"reason": [_("This field is required.")]})
    if CustomerRequest.objects.filter(
        customer=customer, kind=CustomerRequestKind.EXTENSION, status=RequestStatus.PENDING
    ).exists():
        raise Conflict(_("An extension request for this customer is already waiting for approval."))
    base = max(customer.protected_until or timezone.localdate(), timezone.localdate())
    until = base + dt.timedelta(days=policy.value.approval_extension_days)
    req = CustomerRequest.objects.create(
        customer=customer, kind=CustomerRequestKind.EXTENSION, requested_by=actor, until=until, reason=reason.strip()
    )
    audit_record(actor=actor, action="customer.extension_request", obj=customer, reason=reason)
    _submit(actor, req)
    return req


def _apply(req: CustomerRequest, actor: User | None) -> None:
    customer = Customer.objects.select_for_update().get(pk=req.customer_id)
    if customer.owner_id is None or customer.deleted_at is not None:
        raise Conflict(_("The customer left its owner while the request waited; it cannot be applied."))
    if req.kind == CustomerRequestKind.LOCK:
        assert customer.owner is not None  # owner_id checked above
        _check_lock_cap(customer.owner)
        before = customer.locked_until
        customer.locked_until = req.until
        customer.lock_approval_id = req.approval_id
        customer.save(update_fields=["locked_until", "lock_approval_id", "updated_at"])
        audit_record(actor=actor, action="customer.lock", obj=customer, changes={"locked_until": [before, req.until]})
    else:
        policy = policy_for("protection", unit=customer.owner_unit)
        if customer.extension_count >= policy.value.max_approval_extensions:
            raise LimitExceeded(_("The protection was already extended the most times the policy allows."))
        before = customer.protected_until
        assert req.until is not None  # an extension request is always made with its date
        customer.protected_until = max(req.until, customer.protected_until or req.until)
        customer.extension_count += 1
        customer.save(update_fields=["protected_until", "extension_count", "updated_at"])
        audit_record(
            actor=actor,
            action="customer.protection_extend",
            obj=customer,
            changes={"protected_until": [before, customer.protected_until]},
            reason=f"{policy.ref}",
        )


def _close(req: CustomerRequest, status: str) -> None:
    CustomerRequest.objects.filter(pk=req.pk, status=RequestStatus.PENDING).update(
        status=status, decided_at=timezone.now()
    )


def on_request_approved(request, req: CustomerRequest) -> None:
    _apply(req, getattr(request, "submitter", None))
    _close(req, RequestStatus.APPROVED)


def on_request_rejected(request, req: CustomerRequest) -> None:
    _close(req, RequestStatus.REJECTED)


def on_request_withdrawn(request, req: CustomerRequest) -> None:
    _close(req, RequestStatus.WITHDRAWN)


def describe_request(req: CustomerRequest) -> dict:
    from django.urls import reverse

    return {
        "url": reverse("customers:customer_detail", args=[req.customer_id]),
        "summary": f"{req.get_kind_display()}: {req.customer.name}",
        "fields": {str(_("Until")): str(req.until or ""), str(_("Reason")): req.reason},
    }


@transaction.atomic
def customer_unlock(*, actor: User, customer: Customer, reason: str = "") -> Customer:
    """Lift a lock early: the owner or a manager who may edit the customer."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_edit(actor, customer)
    if customer.locked_until is None:
        raise Conflict(_("This customer is not locked."))
    before = customer.locked_until
    customer.locked_until = None
    customer.lock_approval_id = None
    customer.save(update_fields=["locked_until", "lock_approval_id", "updated_at"])
    audit_record(
        actor=actor, action="customer.unlock", obj=customer, changes={"locked_until": [before, None]}, reason=reason
    )
    return customer


def register_approvals() -> None:
    try:
        from zhidu.approvals.registry import register_approvable
    except ImportError:
        return
    register_approvable(
        "customers.customerrequest",
        on_approved=on_request_approved,
        on_rejected=on_request_rejected,
        on_withdrawn=on_request_withdrawn,
        describe=describe_request,
    )


def can_request(user) -> bool:
    return has_perm(user, OT, Action.EDIT)
