"""Writes on contacts and their key dates. A contact belongs to one customer: whoever may
edit the customer (owner, managers in scope, read-write collaborators) may change its
contacts, given the ``customers.contact`` permission."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, diff, snapshot
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm

from ..models import Contact, Customer, KeyDate
from ..normalize import normalize_email, normalize_phone
from .duplicates import duplicate_check
from .search import search_fields

OT = "customers.contact"
CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "decision_role",
    "is_primary",
    "phone",
    "phone2",
    "email",
    "wechat",
    "birthday",
    "notes",
    "is_active",
)


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc


def _derive(contact: Contact) -> None:
    contact.name = (contact.name or "").strip()
    contact.phone = (contact.phone or "").strip()
    contact.phone2 = (contact.phone2 or "").strip()
    contact.email = (contact.email or "").strip()
    contact.phone_normalized = normalize_phone(contact.phone)[:20]
    contact.phone2_normalized = normalize_phone(contact.phone2)[:20]
    contact.email_normalized = normalize_email(contact.email)[:200]
    fields = search_fields(contact.name)
    contact.search_text = fields["search_text"][:400]
    contact.search_grams = fields["search_grams"]


def contact_build(*, customer: Customer, data: dict[str, Any]) -> Contact:
    """An unsaved, validated contact (used by ``customer_register`` for the first one)."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    contact = Contact(customer=customer, **data)
    _derive(contact)
    _full_clean(contact, exclude=["customer"])
    if contact.phone and not contact.phone_normalized:
        raise ValidationError(_("This phone number has no digits."), fields={"phone": [_("Enter a phone number.")]})
    return contact


def _require_customer_edit(actor: User, customer: Customer, action: str) -> None:
    if not has_perm(actor, OT, action):
        raise PermissionDenied(_("You may not change contacts."))
    if not Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.EDIT).exists():
        if Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("You may not change this customer's contacts."))
        raise NotFound()
    if customer.deleted_at is not None:
        raise Conflict(_("This customer is in the recycle bin."))


def _only_primary(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, data: dict[str, Any]) -> Contact:
    _require_customer_edit(actor, customer, Action.CREATE)
    contact = contact_build(customer=customer, data=data)
    duplicate_check(
        user=actor, phones=[contact.phone, contact.phone2], emails=[contact.email], exclude_customer_id=customer.pk
    )
    contact.created_by = actor
    contact.save()
    _only_primary(contact)
    audit_record(actor=actor, action="contact.create", obj=contact, after=snapshot(contact))
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    _require_customer_edit(actor, contact.customer, Action.EDIT)
    before = snapshot(contact)
    old = {contact.phone_normalized, contact.phone2_normalized, contact.email_normalized}
    for key, value in data.items():
        setattr(contact, key, value)
    _derive(contact)
    _full_clean(contact)
    new_phones = [p for p in (contact.phone, contact.phone2) if p and normalize_phone(p) not in old]
    new_emails = [contact.email] if contact.email and contact.email_normalized not in old else []
    if new_phones or new_emails:
        duplicate_check(user=actor, phones=new_phones, emails=new_emails, exclude_customer_id=contact.customer_id)
    contact.save()
    _only_primary(contact)
    changes = diff(before, snapshot(contact))
    if changes:
        audit_record(actor=actor, action="contact.update", obj=contact, changes=changes)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    _require_customer_edit(actor, contact.customer, Action.DELETE)
    before, pk, name = snapshot(contact), contact.pk, contact.name
    contact.delete()
    audit_record(
        actor=actor,
        action="contact.delete",
        object_type=OT,
        object_id=pk,
        object_repr=name,
        before=before,
        after={},
    )


@transaction.atomic
def key_date_add(*, actor: User, contact: Contact, label: str, date, remind_days_before: int = 3, yearly=True):
    _require_customer_edit(actor, contact.customer, Action.EDIT)
    row = KeyDate(contact=contact, label=label.strip(), date=date, remind_days_before=remind_days_before, yearly=yearly)
    _full_clean(row)
    row.save()
    audit_record(actor=actor, action="contact.key_date_add", obj=contact, changes={"key_date": [None, str(row)]})
    return row


@transaction.atomic
def key_date_remove(*, actor: User, key_date: KeyDate) -> None:
    contact = key_date.contact
    _require_customer_edit(actor, contact.customer, Action.EDIT)
    text = str(key_date)
    key_date.delete()
    audit_record(actor=actor, action="contact.key_date_remove", obj=contact, changes={"key_date": [text, None]})
