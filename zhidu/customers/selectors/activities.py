"""Reads of follow-ups, visit check-ins and development plans, the overdue list (required
follow-up frequency per tier) and the rep's "my day" page. Always scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from zhidu.core.errors import NotFound
from zhidu.core.filters import apply_filters
from zhidu.org.choices import Action
from zhidu.org.permissions import main_unit

from ..choices import CollaboratorAccess, PlanStatus
from ..filtersets.activities import ActivityFilterSet, OverdueFilterSet
from ..models import (
    Activity,
    ActivityComment,
    ActivityType,
    Collaborator,
    Contact,
    Customer,
    DevelopmentPlan,
    DevelopmentStep,
    KeyDate,
    Lead,
)
from ..policies import policy_for
from .pool import ALL_UNITS, policy_groups, units_q

# --- follow-ups -------------------------------------------------------------------------------


def _activity_related(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.select_related("type", "owner", "customer", "contact", "lead", "check_in").annotate(
        comment_count=Count("comments", distinct=True), attachment_count=Count("attachments", distinct=True)
    )


def activity_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[Activity]:
    """The follow-ups in ``user``'s data scope (their own; managers their people's),
    filtered and sorted by the one ``ActivityFilterSet``; newest first."""
    qs = Activity.objects.visible_to(user, Action.VIEW)
    qs = apply_filters(ActivityFilterSet, filters or {}, qs, request=request)
    if not (filters or {}).get("ordering"):
        qs = qs.order_by("-occurred_at", "-id")
    return _activity_related(qs)


def activity_get(*, user, pk: int) -> Activity:
    """One follow-up: for whoever has it in scope, and for whoever may see its customer
    (004 §2.1: every past conversation is shared with those who see the customer)."""
    qs = Activity.objects.filter(pk=pk)
    a = _activity_related(qs.visible_to(user, Action.VIEW)).first()
    if a is None:
        a = _activity_related(qs.filter(customer__in=Customer.objects.alive().visible_to(user, Action.VIEW))).first()
    if a is None:
        raise NotFound()
    return a


def activity_comments(activity: Activity) -> QuerySet[ActivityComment]:
    return ActivityComment.objects.filter(activity=activity).select_related("author").order_by("created_at", "id")


def customer_activities(*, user, customer: Customer, limit: int = 50) -> list[Activity]:
    """The follow-ups of a customer for its page (the caller has checked that ``user``
    sees the customer), with comments and attachments in two queries."""
    qs = (
        Activity.objects.filter(customer=customer)
        .select_related("type", "owner", "contact", "check_in")
        .prefetch_related(
            Prefetch("comments", queryset=ActivityComment.objects.select_related("author").order_by("created_at")),
            "attachments",
        )
        .order_by("-occurred_at", "-id")
    )
    return list(qs[:limit])


def activity_types(*, active_only: bool = True) -> QuerySet[ActivityType]:
    qs = ActivityType.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort_order", "code")


def valid_follow_up_count(*, user_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """Valid follow-ups per person in ``[start, end)`` — what KPIs count."""
    rows = (
        Activity.objects.filter(owner_id__in=user_ids, is_valid=True, occurred_at__gte=start, occurred_at__lt=end)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {r["owner_id"]: r["n"] for r in rows}


# --- required frequency: the overdue list -----------------------------------------------------------


@dataclass
class Overdue:
    customer: Customer
    last: dt.datetime | None
    due: dt.date
    days_over: int
    frequency_days: int


def overdue_q(*, now: dt.datetime, unit_ids: list[int | None] | None = None) -> Q:
    """Customers held by someone whose last valid follow-up (or receipt) is older than the
    tier's required frequency (``follow_up`` policy of their unit)."""
    q = Q(pk__in=[])
    for policy, units in policy_groups("follow_up", unit_ids):
        tiers = Q(pk__in=[])
        for tier, days in policy.value.frequency_days.items():
            if not days:
                continue
            cut = now - dt.timedelta(days=days)
            received = Q(received_at__lt=cut) | Q(received_at__isnull=True, created_at__lt=cut)
            tiers |= (
                Q(tier=tier) & received & (Q(last_valid_follow_up_at__isnull=True) | Q(last_valid_follow_up_at__lt=cut))
            )
        q |= units_q(units) & tiers
    return Q(owner__isnull=False, pool__isnull=True, deleted_at__isnull=True) & q


def overdue_list(*, user, filters: dict[str, Any] | None = None, now: dt.datetime | None = None, request=None):
    """The customers ``user`` sees (their own; managers their people's) that are overdue
    for a follow-up, most overdue first."""
    now = now or timezone.now()
    qs = Customer.objects.visible_to(user, Action.VIEW).filter(overdue_q(now=now))
    qs = apply_filters(OverdueFilterSet, filters or {}, qs, request=request)
    return qs.select_related("owner", "owner_unit").order_by("last_valid_follow_up_at", "received_at", "pk")


def overdue_explain(customers: list[Customer], *, now: dt.datetime | None = None) -> list[Overdue]:
    """Due date and days overdue for each customer on a page of the overdue list."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = sorted({c.owner_unit_id for c in customers}, key=lambda u: (u is None, u or 0))
    everyone = None
    per_unit: dict[int | None, Any] = {}
    for policy, us in policy_groups("follow_up", units):
        if us is ALL_UNITS:
            everyone = policy
        else:
            per_unit.update(dict.fromkeys(us, policy))
    out = []
    for c in customers:
        policy = per_unit.get(c.owner_unit_id, everyone)
        days = policy.value.frequency_days.get(c.tier, 0) if policy is not None else 0
        start = max(d for d in (c.received_at or c.created_at, c.last_valid_follow_up_at) if d is not None)
        due = timezone.localdate(start) + dt.timedelta(days=days)
        out.append(Overdue(c, c.last_valid_follow_up_at, due, max(0, (today - due).days), days))
    return out


# --- development plans ---------------------------------------------------------------------------


def customer_plans(*, customer: Customer) -> list[DevelopmentPlan]:
    steps = DevelopmentStep.objects.select_related("owner").order_by("sort_order", "due_date", "id")
    return list(
        DevelopmentPlan.objects.filter(customer=customer)
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-created_at")
    )


# --- my day ---------------------------------------------------------------------------------------


@dataclass
class KeyDateSoon:
    contact: Contact
    label: str
    date: dt.date
    days: int


@dataclass
class MyDay:
    today: dt.date
    due: list[Activity] = field(default_factory=list)  # follow-ups planned for today or earlier
    overdue: list[Overdue] = field(default_factory=list)  # customers past the required frequency
    near_recycling: list = field(default_factory=list)
    protection_ending: list[Customer] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    key_dates: list[KeyDateSoon] = field(default_factory=list)
    steps: list[DevelopmentStep] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.due,
                self.overdue,
                self.near_recycling,
                self.protection_ending,
                self.leads,
                self.key_dates,
                self.steps,
            )
        )


def _next_occurrence(day: dt.date, today: dt.date) -> dt.date:
    """This year's (or next year's) date of a yearly event; 29 February is 28 February
    in other years."""
    for year in (today.year, today.year + 1):
        try:
            d = day.replace(year=year)
        except ValueError:
            d = dt.date(year, 2, 28)
        if d >= today:
            return d
    return day


_ALIVE = Q(customer__deleted_at__isnull=True, customer__pool__isnull=True)


def _open_next_steps(today: dt.date) -> QuerySet[Activity]:
    """Next steps due today or earlier that nothing followed since: no later follow-up on
    the same customer (or, for a lead's follow-up, the same lead), whoever wrote it."""
    later_customer = Activity.objects.filter(
        customer_id=OuterRef("customer_id"), occurred_at__gt=OuterRef("occurred_at")
    )
    later_lead = Activity.objects.filter(lead_id=OuterRef("lead_id"), occurred_at__gt=OuterRef("occurred_at"))
    return (
        Activity.objects.filter(next_date__isnull=False, next_date__lte=today)
        .exclude(Q(customer__isnull=False) & Exists(later_customer))
        .exclude(Q(customer__isnull=True) & Exists(later_lead))
    )


def _due_qs(*, user, today: dt.date) -> QuerySet[Activity]:
    """The open next steps (:func:`_open_next_steps`) that are ``user``'s to do.

    They follow the record, not the writer: the customers (alive, not in a pool) and the
    leads ``user`` holds now, whoever wrote them — after a transfer or a handover the
    receiver sees the previous owner's planned dates and the previous owner no longer does
    — plus, on customers where ``user`` is a read-write collaborator (协作人), the next
    steps he wrote himself."""
    collaborating = Collaborator.objects.filter(user=user, access=CollaboratorAccess.READ_WRITE).values("customer_id")
    base = _open_next_steps(today).order_by()
    # One statement; a UNION of three branches, each driven by its own index (the person's
    # customers, the follow-ups he wrote, his leads), not an OR over every next step.
    branches = (
        base.filter(_ALIVE & Q(customer__owner=user))
        .values("pk")
        .union(
            base.filter(_ALIVE & Q(owner=user, customer_id__in=collaborating)).values("pk"),
            base.filter(customer__isnull=True, lead__owner=user).values("pk"),
            all=True,
        )
    )
    return Activity.objects.filter(pk__in=branches)


def due_follow_ups_to_remind(*, today: dt.date) -> dict[int, list[Activity]]:
    """Everyone's next steps falling due ``today``, by the person to tell — the same rule
    as :func:`due_follow_ups` (the holder of the customer or lead, and a read-write
    collaborator for what he wrote), for the morning reminder job. Two queries."""
    rows = list(
        _open_next_steps(today)
        .filter(next_date=today)
        .filter((_ALIVE & Q(customer__owner__isnull=False)) | Q(customer__isnull=True, lead__owner__isnull=False))
        .select_related("customer", "lead")
        .order_by("pk")
    )
    writers = {(a.customer_id, a.owner_id) for a in rows if a.customer_id and a.owner_id}
    helping = set(
        Collaborator.objects.filter(
            access=CollaboratorAccess.READ_WRITE, customer_id__in={c for c, _u in writers}
        ).values_list("customer_id", "user_id")
    )
    out: dict[int, list[Activity]] = {}
    for a in rows:
        holder = a.customer.owner_id if a.customer is not None else (a.lead.owner_id if a.lead is not None else None)
        people = {holder}
        if a.customer_id and (a.customer_id, a.owner_id) in helping:
            people.add(a.owner_id)
        for person in people:
            if person:
                out.setdefault(person, []).append(a)
    return out


def due_follow_ups(*, user, today: dt.date, limit: int = 50) -> list[Activity]:
    """See :func:`_due_qs`; the oldest first."""
    qs = _due_qs(user=user, today=today).select_related("customer", "lead", "type", "contact", "owner")
    return list(qs.order_by("next_date", "pk")[:limit])


def due_follow_ups_count(*, user, today: dt.date | None = None) -> int:
    """How many follow-ups are due (the "my day" badge in the navigation); one query."""
    return _due_qs(user=user, today=today or timezone.localdate()).count()


def key_dates_soon(*, user, today: dt.date, birthday_days: int, limit: int = 30) -> list[KeyDateSoon]:
    """Birthdays (``birthday_days`` ahead) and key dates (each its ``remind_days_before``)
    of the contacts of the user's customers."""
    out: list[KeyDateSoon] = []
    contacts = Contact.objects.filter(
        customer__owner=user, customer__deleted_at__isnull=True, is_active=True, birthday__isnull=False
    ).select_related("customer")
    for c in contacts:
        if c.birthday is None:
            continue
        d = _next_occurrence(c.birthday, today)
        if (d - today).days <= birthday_days:
            out.append(KeyDateSoon(contact=c, label="birthday", date=d, days=(d - today).days))
    keys = KeyDate.objects.filter(
        contact__customer__owner=user, contact__customer__deleted_at__isnull=True, contact__is_active=True
    ).select_related("contact__customer")
    for k in keys:
        d = _next_occurrence(k.date, today) if k.yearly else k.date
        days = (d - today).days
        if 0 <= days <= k.remind_days_before:
            out.append(KeyDateSoon(contact=k.contact, label=k.label, date=d, days=days))
    out.sort(key=lambda k: (k.date, k.contact.pk))
    return out[:limit]


def my_day(*, user, now: dt.datetime | None = None) -> MyDay:
    """The rep's day: follow-ups due, customers overdue for a follow-up, near recycling or
    near the end of protection, leads to work, key dates ahead, development steps due."""
    from .pool import near_recycling

    now = now or timezone.now()
    today = timezone.localdate(now)
    fu = policy_for("follow_up", unit=main_unit(user))
    day = MyDay(today=today)
    day.due = due_follow_ups(user=user, today=today)
    overdue = list(
        Customer.objects.filter(owner=user).filter(overdue_q(now=now)).order_by("last_valid_follow_up_at", "pk")[:50]
    )
    day.overdue = overdue_explain(overdue, now=now)
    day.near_recycling = near_recycling(user=user, now=now, limit=30)
    day.protection_ending = list(
        Customer.objects.alive()
        .filter(
            owner=user, pool__isnull=True, protected_until__gte=today, protected_until__lte=today + dt.timedelta(days=7)
        )
        .order_by("protected_until", "pk")[:30]
    )
    day.leads = list(Lead.objects.open().filter(owner=user).order_by("first_response_due", "-created_at")[:20])
    day.key_dates = key_dates_soon(user=user, today=today, birthday_days=fu.value.birthday_remind_days)
    day.steps = list(
        DevelopmentStep.objects.filter(
            owner=user,
            done_at__isnull=True,
            plan__status=PlanStatus.ACTIVE,
            plan__customer__deleted_at__isnull=True,
            due_date__lte=today + dt.timedelta(days=7),
        )
        .select_related("plan__customer")
        .order_by("due_date", "pk")[:30]
    )
    return day
