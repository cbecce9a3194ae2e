"""Reads of transfers (客户转移 / 离职交接) and of what a person holds before a handover."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhidu.core.errors import NotFound
from zhidu.core.filters import apply_filters
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, visibility

from ..choices import CustomerStatus
from ..filtersets.transfers import TransferFilterSet
from ..models import Customer, DevelopmentStep, Lead, Transfer, TransferItem

OT_TRANSFER = "customers.transfer"


def _people_q(user) -> Q:
    """Transfers that concern people within ``user``'s scope on transfers (their own
    included), or that they made."""
    from zhidu.org.models import Post

    q = Q(actor=user) | Q(from_user=user) | Q(to_user=user)
    vis = visibility(user, OT_TRANSFER, Action.VIEW)
    if not vis.allowed:
        return q
    if vis.everything:
        return Q()
    units = Q(unit_id__in=sorted(vis.unit_ids))
    for path in sorted(vis.unit_paths):
        units |= Q(unit__path__startswith=path)
    people = Post.objects.active().filter(units).values("user_id")
    ids = sorted(vis.user_ids)
    return q | Q(from_user_id__in=ids) | Q(to_user_id__in=ids) | Q(from_user_id__in=people) | Q(to_user_id__in=people)


def transfer_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[Transfer]:
    qs = Transfer.objects.filter(_people_q(user))
    qs = apply_filters(TransferFilterSet, filters or {}, qs, request=request)
    return qs.select_related("from_user", "to_user", "to_pool", "actor").order_by("-created_at", "-id")


def transfer_get(*, user, pk: int) -> Transfer:
    t = (
        Transfer.objects.filter(_people_q(user))
        .select_related("from_user", "to_user", "to_pool", "actor")
        .filter(pk=pk)
        .first()
    )
    if t is None:
        raise NotFound()
    return t


def transfer_items(transfer: Transfer, *, failed_only: bool = False) -> QuerySet[TransferItem]:
    qs = transfer.items.all()
    if failed_only:
        qs = qs.filter(ok=False)
    return qs.order_by("ok", "object_type", "id")


@dataclass
class HandoverSummary:
    """What a person still holds, before a handover (离职交接)."""

    person: User
    customers: int = 0
    paying: int = 0
    protected: int = 0
    locked: int = 0
    open_leads: int = 0
    open_steps: int = 0
    approval_tasks: int = 0
    other: list[tuple[str, int]] = field(default_factory=list)  # other apps' owned records

    @property
    def blocking(self) -> list[tuple[str, int]]:
        """What stops a deactivation (``zhidu.org.services.user_deactivate``)."""
        from zhidu.org import services as org_services

        return [
            (str(label), n) for label, counter in org_services._owned_record_counters if (n := counter(self.person))
        ]

    @property
    def can_deactivate(self) -> bool:
        return self.person.is_active and not self.blocking


def handover_summary(*, person: User) -> HandoverSummary:
    today = timezone.localdate()
    held = Customer.objects.alive().filter(owner=person)
    s = HandoverSummary(person=person)
    s.customers = held.count()
    if s.customers:
        s.paying = held.filter(status=CustomerStatus.ACTIVE).count()
        s.protected = held.filter(protected_until__gte=today).count()
        s.locked = held.filter(locked_until__gte=today).count()
    s.open_leads = Lead.objects.open().filter(owner=person).count()
    s.open_steps = DevelopmentStep.objects.filter(owner=person, done_at__isnull=True).count()
    try:
        from zhidu.approvals.choices import TaskStatus
        from zhidu.approvals.models import ApprovalTask

        s.approval_tasks = ApprovalTask.objects.filter(approver=person, status=TaskStatus.PENDING).count()
    except ImportError:
        pass
    return s


def handover_people(*, user) -> list[tuple[User, int, int]]:
    """People within ``user``'s units (for a transfer) with the customers and open leads
    they hold, most first: whom a manager may hand over."""
    from django.db.models import Count

    from ..services.transfers import people_in_scope

    if not has_perm(user, "customers.customer", Action.TRANSFER):
        return []
    people = list(people_in_scope(user).exclude(pk=user.pk))
    ids = [p.pk for p in people]
    customers = dict(Customer.objects.alive().filter(owner_id__in=ids).values_list("owner_id").annotate(n=Count("id")))
    leads = dict(Lead.objects.open().filter(owner_id__in=ids).values_list("owner_id").annotate(n=Count("id")))
    rows = [(p, customers.get(p.pk, 0), leads.get(p.pk, 0)) for p in people]
    rows.sort(key=lambda r: (-(r[1] + r[2]), r[0].full_name or r[0].username))
    return rows
