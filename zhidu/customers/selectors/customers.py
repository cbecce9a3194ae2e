"""Reads of customers and contacts, always scoped (``visible_to``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.core.errors import NotFound, PermissionDenied
from zhidu.core.filters import apply_filters
from zhidu.core.masking import mask_email, mask_phone
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm

from ..filtersets.customers import CustomerFilterSet
from ..models import Activity, Collaborator, ConflictClaim, Contact, Customer, PoolEvent, Tag
from ..services.search import normalize_query, search_filter


def customer_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[Customer]:
    """The customers ``user`` may see, not in the recycle bin, filtered and sorted by the
    one ``CustomerFilterSet`` the list page and the API share. Newest first by default."""
    qs = Customer.objects.alive().visible_to(user, Action.VIEW)
    qs = apply_filters(CustomerFilterSet, filters or {}, qs, request=request)
    if not (filters or {}).get("ordering"):
        qs = qs.order_by("-created_at", "-id")
    return qs.select_related("owner", "owner_unit", "pool")


PICKER_LIMIT = 10


def customer_parent_options(*, user, query: str, exclude_id: int | None = None, limit: int = PICKER_LIMIT) -> list:
    """The parent-company picker: up to ``limit`` customers ``user`` sees (not in the
    recycle bin) whose name matches ``query`` (substring, pinyin, initials — a parent is
    picked by its name, not by a contact's), without the customer being edited and its
    direct branches (deeper ones the service refuses). The search narrows the scoped
    queryset itself, so a broad query stops at ``limit`` rows instead of gathering every
    match first."""
    if not normalize_query(query):
        return []
    qs = search_filter(Customer.objects.alive().visible_to(user, Action.VIEW), query)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id).exclude(parent_id=exclude_id)
    return list(qs.select_related("owner", "pool").order_by("name_normalized", "pk")[:limit])


def customer_find_by_name(*, user, name: str) -> Customer | None:
    """The customer ``user`` sees called ``name`` (as duplicate checks compare names)."""
    from ..normalize import normalize_name

    key = normalize_name(name)
    if not key:
        return None
    return Customer.objects.alive().visible_to(user, Action.VIEW).filter(name_normalized=key).order_by("pk").first()


def customer_get(*, user, pk: int, action: str = Action.VIEW, include_deleted: bool = False) -> Customer:
    qs = Customer.objects.all() if include_deleted else Customer.objects.alive()
    customer = qs.visible_to(user, action).select_related("owner", "owner_unit", "pool", "parent").filter(pk=pk).first()
    if customer is None:
        if action != Action.VIEW and qs.visible_to(user, Action.VIEW).filter(pk=pk).exists():
            raise PermissionDenied()
        raise NotFound()
    return customer


def customer_can(user, customer: Customer, action: str) -> bool:
    return Customer.objects.filter(pk=customer.pk).visible_to(user, action).exists()


def recycle_bin_list(*, user) -> QuerySet[Customer]:
    """Admins see the whole bin; managers with ``delete`` see what lies in their scope."""
    if user.is_superuser:
        qs = Customer.objects.in_recycle_bin()
    elif has_perm(user, "customers.customer", Action.DELETE):
        qs = Customer.objects.in_recycle_bin().visible_to(user, Action.DELETE)
    else:
        return Customer.objects.none()
    return qs.select_related("owner", "deleted_by").order_by("-deleted_at")


def contact_list(*, user, customer: Customer) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(customer=customer)
        .visible_to(user, Action.VIEW)
        .prefetch_related("key_dates")
        .order_by("-is_active", "-is_primary", "name", "id")
    )


def contact_get(*, user, pk: int, action: str = Action.VIEW) -> Contact:
    contact = Contact.objects.visible_to(user, action).select_related("customer").filter(pk=pk).first()
    if contact is None:
        raise NotFound()
    return contact


def contacts_masked(user, customer: Customer) -> bool:
    """Phones, e-mail and WeChat are masked for people without ``view_phone`` and for
    everyone while the customer lies in a public pool (issue 4: until claimed)."""
    return customer.pool_id is not None or not has_perm(user, "customers.contact", Action.VIEW_PHONE)


@dataclass
class ContactView:
    """A contact as one person may see it (masked or not)."""

    contact: Contact
    phone: str
    phone2: str
    email: str
    wechat: str
    masked: bool

    def __getattr__(self, name):
        return getattr(self.contact, name)


def contact_view(contact: Contact, masked: bool) -> ContactView:
    if not masked:
        return ContactView(contact, contact.phone, contact.phone2, contact.email, contact.wechat, False)
    wechat = (contact.wechat[:1] + "***") if contact.wechat else ""
    return ContactView(
        contact, mask_phone(contact.phone), mask_phone(contact.phone2), mask_email(contact.email), wechat, True
    )


def collaborators_of(customer: Customer) -> QuerySet[Collaborator]:
    return Collaborator.objects.filter(customer=customer).select_related("user").order_by("added_at")


def tags_of(customer: Customer) -> list[Tag]:
    return list(Tag.objects.filter(customers=customer).select_related("group").order_by("group__sort_order", "name"))


# --- the shared library of 004 §2.1: one timeline ------------------------------------------


@dataclass
class TimelineEntry:
    at: Any
    kind: str  # "activity", "pool", "audit", "conflict", or another app's key
    title: str
    body: str = ""
    actor: Any = None
    obj: Any = None
    badge: str = ""


AUDIT_TITLES = {
    "customer.register": gettext_lazy("Registered"),
    "customer.update": gettext_lazy("Details changed"),
    "customer.delete": gettext_lazy("Moved to the recycle bin"),
    "customer.restore": gettext_lazy("Restored from the recycle bin"),
    "customer.merge": gettext_lazy("Another record was merged into this one"),
    "customer.collaborator_set": gettext_lazy("Collaborator added or changed"),
    "customer.collaborator_remove": gettext_lazy("Collaborator removed"),
    "customer.tags_set": gettext_lazy("Tags changed"),
    "customer.tag_add": gettext_lazy("Tag added"),
    "customer.conflict_award": gettext_lazy("Given to the winner of a conflict claim"),
    "customer.lock_request": gettext_lazy("Lock requested"),
    "customer.lock": gettext_lazy("Locked"),
    "customer.unlock": gettext_lazy("Unlocked"),
    "customer.extension_request": gettext_lazy("Protection extension requested"),
    "customer.protection_extend": gettext_lazy("Protection extended"),
    "customer.recycle_warn": gettext_lazy("Owner warned before recycling"),
    "customer.merged_into": gettext_lazy("Merged into another record"),
    "customer.purge": gettext_lazy("Purged from the recycle bin"),
}
# Shown through their own rows (follow-ups, pool events), so not again as changes.
AUDIT_SHOWN_ELSEWHERE = frozenset(
    {
        "customer.follow_up",
        "customer.claim",
        "customer.release",
        "customer.recycle",
        "customer.assign_from_pool",
    }
)

_timeline_sources: list[Callable[[Any, Customer], list[TimelineEntry]]] = []


def register_timeline_source(source: Callable[[Any, Customer], list[TimelineEntry]]) -> None:
    """Other apps (opportunities, documents, contracts) add their rows to the customer
    timeline: ``source(user, customer)`` returns entries the user may see."""
    _timeline_sources.append(source)


def customer_timeline(*, user, customer: Customer, limit: int = 200) -> list[TimelineEntry]:
    """Every follow-up (with its comments), pool event, conflict claim and recorded change
    of a customer, newest first — for those allowed to see the customer. Follow-ups are
    shared with everyone who sees the customer (004 §2.1: 资料库 of past conversations)."""
    from zhidu.audit.models import AuditEvent

    entries: list[TimelineEntry] = []
    activities = (
        Activity.objects.filter(customer=customer)
        .select_related("type", "owner", "contact")
        .prefetch_related("comments__author", "attachments")
        .order_by("-occurred_at")[:limit]
    )
    for a in activities:
        entries.append(
            TimelineEntry(
                at=a.occurred_at,
                kind="activity",
                title=str(a.type),
                body=a.content,
                actor=a.owner,
                obj=a,
                badge="green" if a.is_valid else "secondary",
            )
        )
    for e in PoolEvent.objects.filter(customer=customer).select_related("actor", "pool").order_by("-at")[:limit]:
        entries.append(
            TimelineEntry(
                at=e.at, kind="pool", title=f"{e.get_kind_display()} · {e.pool}", body=e.reason, actor=e.actor
            )
        )
    for c in ConflictClaim.objects.filter(customer=customer).select_related("claimant").order_by("-created_at"):
        entries.append(
            TimelineEntry(
                at=c.created_at,
                kind="conflict",
                title=_("Conflict claim by %(who)s: %(status)s")
                % {"who": c.claimant, "status": c.get_status_display()},
                body=c.decision_reason,
                actor=c.claimant,
                obj=c,
            )
        )
    audits = (
        AuditEvent.objects.filter(object_type="customers.customer", object_id=str(customer.pk))
        .select_related("actor")
        .order_by("-id")[:limit]
    )
    for ev in audits:
        if ev.action in AUDIT_SHOWN_ELSEWHERE:
            continue
        title = str(AUDIT_TITLES.get(ev.action, gettext_lazy("Changed")))
        entries.append(TimelineEntry(at=ev.at, kind="audit", title=title, body=ev.reason, actor=ev.actor, obj=ev))
    for source in _timeline_sources:
        entries.extend(source(user, customer))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
