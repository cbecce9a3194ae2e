"""Reads of the public pools: the pools a person sees, the customers lying in them (their
contacts masked), the event log, a person's claim quota, and the recycling plans the job,
the dry run and "my day" share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.core.filters import apply_filters
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit
from zhidu.org.permissions import main_unit, user_roles

from ..choices import PoolEventKind
from ..filtersets.pool import PoolCustomerFilterSet, PoolEventFilterSet
from ..models import Contact, Customer, PoolEvent, PublicPool
from ..policies import policy_for
from ..policies.customers import holding_cap
from ..policies.pool import add_workdays, idle_cutoff, recycle_due_date

OT_POOL = "customers.publicpool"


# --- pools -------------------------------------------------------------------------------


def pool_list(*, user, action: str = Action.VIEW) -> QuerySet[PublicPool]:
    from ..services.pool import pool_ids_for

    ids = pool_ids_for(user, action)
    qs = PublicPool.objects.select_related("unit")
    if ids is not None:
        qs = qs.filter(pk__in=sorted(ids))
    return qs.order_by("unit__path", "name")


def pool_get(*, user, pk: int) -> PublicPool:
    from zhidu.core.errors import NotFound

    pool = pool_list(user=user).filter(pk=pk).first()
    if pool is None:
        raise NotFound()
    return pool


def pool_customer_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[Customer]:
    """Customers lying in the pools ``user`` may see, with the latest release or recycle
    (who, when, why) and the primary contact. Contacts are masked by the page/API: pool
    customers' phones and WeChat stay hidden until claimed."""
    from ..services.pool import pool_ids_for

    ids = pool_ids_for(user, Action.VIEW)
    qs = Customer.objects.alive().filter(pool__isnull=False)
    if ids is not None:
        qs = qs.filter(pool_id__in=sorted(ids))
    qs = apply_filters(PoolCustomerFilterSet, filters or {}, qs, request=request)
    last = PoolEvent.objects.filter(
        customer_id=OuterRef("pk"), kind__in=[PoolEventKind.RELEASE, PoolEventKind.RECYCLE]
    ).order_by("-at", "-id")
    qs = qs.annotate(
        pool_since=Subquery(last.values("at")[:1]),
        pool_reason=Subquery(last.values("reason")[:1]),
        pool_kind=Subquery(last.values("kind")[:1]),
        former_owner_id=Subquery(last.values("from_owner_id")[:1]),
    )
    if not (filters or {}).get("ordering"):
        qs = qs.order_by("-pool_since", "-id")
    primary = Contact.objects.filter(is_active=True).order_by("-is_primary", "id")
    return qs.select_related("pool").prefetch_related(Prefetch("contacts", queryset=primary, to_attr="pool_contacts"))


def pool_customer_get(*, user, pk: int) -> Customer:
    from zhidu.core.errors import NotFound

    c = pool_customer_list(user=user).filter(pk=pk).first()
    if c is None:
        raise NotFound()
    return c


def pool_event_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[PoolEvent]:
    """The log of claims, releases, recycles and assignments of the pools ``user`` sees."""
    from ..services.pool import pool_ids_for

    ids = pool_ids_for(user, Action.VIEW)
    qs = PoolEvent.objects.all()
    if ids is not None:
        qs = qs.filter(pool_id__in=sorted(ids))
    qs = apply_filters(PoolEventFilterSet, filters or {}, qs, request=request)
    if not (filters or {}).get("ordering"):
        qs = qs.order_by("-at", "-id")
    return qs.select_related("customer", "pool", "actor", "from_owner", "to_owner")


@dataclass
class ClaimQuota:
    claimed_today: int
    per_day: int  # 0 = no limit
    held: int
    cap: int | None
    cooldown_days: int
    policy_ref: str

    @property
    def left_today(self) -> int | None:
        return None if not self.per_day else max(0, self.per_day - self.claimed_today)


def claim_quota(*, user, now: dt.datetime | None = None) -> ClaimQuota:
    from ..services.customers import customer_held_count
    from ..services.pool import claims_today

    unit = main_unit(user)
    pool = policy_for("pool", unit=unit)
    holding = policy_for("holding", unit=unit)
    return ClaimQuota(
        claimed_today=claims_today(user, now=now),
        per_day=pool.value.claims_per_day,
        held=customer_held_count(user, holding.value),
        cap=holding_cap(user_roles(user), holding.value),
        cooldown_days=pool.value.cooldown_days,
        policy_ref=pool.ref,
    )


# --- recycling plans ---------------------------------------------------------------------------


def _received_before(cut: dt.datetime) -> Q:
    return Q(received_at__lt=cut) | Q(received_at__isnull=True, created_at__lt=cut)


def _clock(row: dict, other: str) -> dt.datetime:
    """When the clock of ``other`` (follow-up or deal) started: receipt, or the last
    follow-up/deal if later. ``created_at`` stands in for a missing receipt."""
    start: dt.datetime = row.get("received_at") or row["created_at"]
    later: dt.datetime | None = row.get(other)
    return max(start, later) if later is not None else start


@dataclass
class RecyclePlan:
    """One ``pool`` policy and the units it rules: the predicate of customers due (or, for
    warnings, due within ``warn_days_before``), and how to explain each one."""

    policy: Any
    unit_ids: list[int | None] | None  # None: every unit
    today: dt.date
    now: dt.datetime
    warning: bool = False
    follow_up_cuts: dict[str, dt.datetime | None] = field(default_factory=dict)
    deal_cuts: dict[str, dt.datetime | None] = field(default_factory=dict)
    q: Q = field(default_factory=Q)

    def queryset(self) -> QuerySet[Customer]:
        return Customer.objects.filter(self.q)

    def reason_for(self, row: dict) -> str:
        p = self.policy.value
        tier = row["tier"]
        fu_days, deal_days = p.follow_up_days.get(tier, 0), p.deal_days.get(tier, 0)
        fu_cut, deal_cut = self.follow_up_cuts.get(tier), self.deal_cuts.get(tier)
        if fu_cut is not None and _clock(row, "last_valid_follow_up_at") < fu_cut:
            return _("No valid follow-up for %(n)d working days (tier %(tier)s).") % {"n": fu_days, "tier": tier}
        if deal_cut is not None and _clock(row, "last_deal_at") < deal_cut:
            return _("No deal for %(n)d working days (tier %(tier)s).") % {"n": deal_days, "tier": tier}
        return ""

    def due_for(self, row: dict) -> dt.date | None:
        """The day this customer is recycled if nothing happens."""
        p = self.policy.value
        tier = row["tier"]
        dates = []
        for days, other in (
            (p.follow_up_days.get(tier, 0), "last_valid_follow_up_at"),
            (p.deal_days.get(tier, 0), "last_deal_at"),
        ):
            if days:
                start = timezone.localdate(_clock(row, other))
                dates.append(recycle_due_date(start, days, holidays_pause=p.holidays_pause))
        if not dates:
            return None
        due = max(min(dates), self.today)
        protected = row.get("protected_until")
        if protected is not None and protected >= due:
            due = protected + dt.timedelta(days=1)
        return due


def _plan(
    policy,
    unit_ids: list[int | None] | None,
    *,
    today: dt.date,
    now: dt.datetime,
    warning: bool,
    skip_warned: bool = True,
) -> RecyclePlan | None:
    p = policy.value
    if not p.recycle_enabled:
        return None
    plan = RecyclePlan(policy=policy, unit_ids=unit_ids, today=today, now=now, warning=warning)
    ahead = p.warn_days_before if warning else 0
    tiers = Q(pk__in=[])
    for tier in ("A", "B", "C", "D"):
        rules = Q(pk__in=[])
        for days, cuts, other in (
            (p.follow_up_days.get(tier, 0), plan.follow_up_cuts, "last_valid_follow_up_at"),
            (p.deal_days.get(tier, 0), plan.deal_cuts, "last_deal_at"),
        ):
            cut = idle_cutoff(today, max(1, days - ahead) if days else 0, holidays_pause=p.holidays_pause)
            cuts[tier] = cut
            if cut is not None:
                rules |= _received_before(cut) & (Q(**{f"{other}__isnull": True}) | Q(**{f"{other}__lt": cut}))
        tiers |= Q(tier=tier) & rules
    q = Q(owner__isnull=False, pool__isnull=True, deleted_at__isnull=True) & units_q(unit_ids) & tiers
    q &= Q(locked_until__isnull=True) | Q(locked_until__lt=today)
    if p.paying_months:
        q &= Q(last_deal_at__isnull=True) | Q(last_deal_at__lt=now - relativedelta(months=p.paying_months))
    if warning:
        horizon = add_workdays(today, p.warn_days_before, holidays_pause=p.holidays_pause)
        q &= Q(protected_until__isnull=True) | Q(protected_until__lte=horizon)
        if skip_warned:
            q &= Q(recycle_warned_at__isnull=True)
    else:
        q &= Q(protected_until__isnull=True) | Q(protected_until__lt=today)
    plan.q = q
    return plan


ALL_UNITS = None  # a group that covers every unit (no unit-level policy of the kind exists)


def policy_groups(kind: str, unit_ids: list[int | None] | None = None) -> list[tuple[Any, list[int | None] | None]]:
    """The policies of ``kind`` in force today, each with the units it rules. When no
    unit has a policy of its own (the usual case), one group covers every unit
    (``ALL_UNITS``) and costs one query; else each unit is resolved (nearest ancestor
    wins) and units with the same version are grouped."""
    from zhidu.policies.models import Policy
    from zhidu.policies.selectors import policy_cache

    if not Policy.objects.filter(kind=kind, unit__isnull=False).exists():
        return [(policy_for(kind), ALL_UNITS)]
    units = OrgUnit.objects.only("pk", "path").order_by("pk")
    if unit_ids is not None:
        units = units.filter(pk__in=[u for u in unit_ids if u is not None])
    chain: list[Any] = list(units)
    if unit_ids is None or None in unit_ids:
        chain.insert(0, None)
    groups: dict[str, tuple[Any, list[int | None]]] = {}
    with policy_cache():
        for unit in chain:
            policy = policy_for(kind, unit=unit)
            groups.setdefault(f"{policy.version_id}:{policy.ref}", (policy, []))[1].append(
                unit.pk if unit is not None else None
            )
    return list(groups.values())


def units_q(unit_ids: list[int | None] | None) -> Q:
    """Customers counted for these units (``None`` in the list: for no unit)."""
    if unit_ids is ALL_UNITS:
        return Q()
    units = [u for u in unit_ids if u is not None]
    q = Q(owner_unit_id__in=units) if units else Q(pk__in=[])
    if None in unit_ids:
        q |= Q(owner_unit__isnull=True)
    return q


def recycle_plans(
    *,
    today: dt.date,
    now: dt.datetime,
    warning: bool = False,
    unit_ids: list[int | None] | None = None,
    skip_warned: bool = True,
) -> list[RecyclePlan]:
    """One plan per ``pool`` policy version in force, covering the units it rules (the
    nearest unit's policy wins; customers with no unit follow the company's)."""
    plans = []
    for policy, units in policy_groups("pool", unit_ids):
        if units is ALL_UNITS and unit_ids is not None:
            units = unit_ids
        plan = _plan(policy, units, today=today, now=now, warning=warning, skip_warned=skip_warned)
        if plan is not None:
            plans.append(plan)
    return plans


@dataclass
class RecycleForecast:
    customer: Customer
    due: dt.date | None
    reason: str


_FORECAST_FIELDS = ("tier", "received_at", "created_at", "last_valid_follow_up_at", "last_deal_at", "protected_until")


def near_recycling(*, user, now: dt.datetime | None = None, limit: int = 50) -> list[RecycleForecast]:
    """The user's own customers due for recycling within the warning window (warned or
    not), with the day and the rule."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    units: list[int | None] = sorted(
        set(Customer.objects.filter(owner=user, pool__isnull=True).values_list("owner_unit_id", flat=True)),
        key=lambda u: (u is None, u or 0),
    )
    if not units:
        return []
    out: list[RecycleForecast] = []
    for plan in recycle_plans(today=today, now=now, warning=True, unit_ids=units, skip_warned=False):
        for c in plan.queryset().filter(owner=user).order_by("pk")[: limit * 2]:
            row = {f: getattr(c, f) for f in _FORECAST_FIELDS}
            out.append(RecycleForecast(customer=c, due=plan.due_for(row), reason=plan.reason_for(row)))
    out.sort(key=lambda f: (f.due or dt.date.max, f.customer.pk))
    return out[:limit]
