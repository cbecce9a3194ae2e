"""公海: releasing, claiming, assigning and recycling customers, and the pools themselves.

Every move is a ``PoolEvent`` (readable by the pool's members on the pool page) and an
audit row in the same transaction, with the ``pool`` policy version that ruled it.

Races (DESIGN): a claim locks the claimer's quota row first (the user row, which also
serialises their daily count and their holding cap), then takes the customer with one
conditional UPDATE ``WHERE pool_id = X AND owner_id IS NULL``; zero rows means someone
else won, and the loser gets a ``Conflict`` with a clear message. Nothing else is written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, audit_record_bulk
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action, UnitKind
from zhidu.org.models import OrgUnit, User
from zhidu.org.permissions import has_perm, main_unit, visibility

from ..choices import PoolEventKind
from ..models import Customer, PoolEvent, PublicPool
from ..policies import policy_for
from ..policies.customers import protected_until_on_receipt
from ..policies.pool import PoolPolicy, day_start

logger = logging.getLogger(__name__)

OT_POOL = "customers.publicpool"
OT_CUSTOMER = "customers.customer"

EVENT_RECYCLED = "customers.pool_recycled"
EVENT_RECYCLE_WARNING = "customers.recycle_warning"
EVENT_RELEASED = "customers.pool_released"
EVENT_ASSIGNED = "customers.pool_assigned"
EVENT_COMMENTED = "customers.activity_commented"
EVENT_FOLLOW_UP_DUE = "customers.follow_up_due"


# --- notifications ---------------------------------------------------------------------------


def register_events() -> None:
    """The notification events of the pool and of follow-ups (idempotent). Called when
    this module is imported, so they exist before anything is sent."""
    try:
        from zhidu.notifications.registry import register_event
    except ImportError:
        return
    from django.utils.translation import gettext_lazy

    register_event(EVENT_RECYCLED, gettext_lazy("Customers of yours went back to the public pool"), ["in_app", "email"])
    register_event(
        EVENT_RECYCLE_WARNING, gettext_lazy("Customers of yours will soon go back to the pool"), ["in_app", "email"]
    )
    register_event(EVENT_RELEASED, gettext_lazy("Your manager released a customer of yours to the pool"), ["in_app"])
    register_event(EVENT_ASSIGNED, gettext_lazy("A customer from the public pool was given to you"), ["in_app"])
    register_event(EVENT_COMMENTED, gettext_lazy("A manager commented on your follow-up"), ["in_app"])
    register_event(EVENT_FOLLOW_UP_DUE, gettext_lazy("Follow-ups of yours are due today"), ["in_app"])


def notify_later(*, recipient_ids: Iterable[int | None], event: str, title: str, body: str = "", url: str = "") -> None:
    """Send through ``zhidu.notifications`` after the commit; nothing if it is not there."""
    ids = sorted({i for i in recipient_ids if i})
    if not ids:
        return

    def send() -> None:
        try:
            from zhidu.notifications.services import notify
        except ImportError:
            logger.info("notifications app not installed; %s to %s: %s", event, ids, title)
            return
        notify(recipients=list(User.objects.filter(pk__in=ids)), event=event, title=title, body=body, url=url)

    transaction.on_commit(send, robust=True)


def _url(name: str, *args) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- which pool -----------------------------------------------------------------------------


def pool_target_unit(unit: OrgUnit | None, policy: PoolPolicy) -> OrgUnit | None:
    """The unit whose pool receives a customer counted for ``unit``: the unit itself
    (``team``), its nearest region (``region``) or nobody (the company pool). The root of
    the tree is the company: its pool is the company pool."""
    if unit is None or policy.release_to == "company":
        return None
    if policy.release_to == "region":
        chain = unit.ancestor_ids()
        regions = {u.pk: u for u in OrgUnit.objects.filter(pk__in=chain, kind=UnitKind.REGION, is_active=True)}
        target = next((regions[i] for i in reversed(chain) if i in regions), None)
    else:
        target = unit
    if target is None or target.parent_id is None:
        return None
    return target


def company_pool() -> PublicPool:
    pool = PublicPool.objects.filter(unit__isnull=True).order_by("pk").first()
    if pool is None:
        pool = PublicPool.objects.create(name=_("Company public pool"), unit=None)
    return pool


def pool_for_unit(unit: OrgUnit | None) -> PublicPool:
    """The active pool of ``unit`` (created on first use), or the company pool when the
    unit is None or its pool was switched off."""
    if unit is None:
        return company_pool()
    pool = PublicPool.objects.filter(unit=unit).first()
    if pool is None:
        with transaction.atomic():
            pool, _created = PublicPool.objects.get_or_create(
                unit=unit, defaults={"name": _("%(unit)s public pool") % {"unit": unit.name}}
            )
    if not pool.is_active:
        return company_pool()
    return pool


def pool_for_customer(customer: Customer, policy: PoolPolicy) -> PublicPool:
    unit = customer.owner_unit if customer.owner_unit_id else None
    return pool_for_unit(pool_target_unit(unit, policy))


# --- membership --------------------------------------------------------------------------


def member_pool_ids(user) -> set[int]:
    """Pools a person belongs to: those of the units they hold a post in and every unit
    above, and the company pool."""
    from zhidu.org.permissions import active_posts

    ancestors: set[int] = set()
    for post in active_posts(user):
        ancestors.update(post.unit.ancestor_ids())
    return set(
        PublicPool.objects.filter(Q(unit_id__in=sorted(ancestors)) | Q(unit__isnull=True), is_active=True).values_list(
            "pk", flat=True
        )
    )


def scope_pool_ids(user, action: str) -> set[int] | None:
    """Pools whose unit lies within the person's data scope for ``action`` on pools
    (managers see and assign from the pools below them). ``None`` means all of them."""
    vis = visibility(user, OT_POOL, action)
    if not vis.allowed:
        return set()
    if vis.everything:
        return None
    q = Q(pk__in=[])
    if vis.unit_ids:
        q |= Q(unit_id__in=sorted(vis.unit_ids))
    for path in sorted(vis.unit_paths):
        q |= Q(unit__path__startswith=path)
    return set(PublicPool.objects.filter(q).values_list("pk", flat=True))


def pool_ids_for(user, action: str = Action.VIEW) -> set[int] | None:
    """Pools ``user`` may act on: member pools plus pools in their scope (``None`` = all)."""
    if not has_perm(user, OT_POOL, action):
        return set()
    scoped = scope_pool_ids(user, action)
    if scoped is None:
        return None
    return member_pool_ids(user) | scoped


def _require_pool(user, pool_id: int | None, action: str, message: str) -> int:
    """The customer's pool id, when ``user`` may ``action`` on that pool."""
    if pool_id is None:
        raise Conflict(_("This customer is not in a public pool."), code="not_in_pool")
    allowed = pool_ids_for(user, action)
    if allowed is not None and pool_id not in allowed:
        seen = pool_ids_for(user, Action.VIEW)
        if seen is None or pool_id in seen:
            raise PermissionDenied(message)
        raise NotFound()
    return pool_id


def _in_user_scope(actor: User, person: User, action: str) -> bool:
    """Whether ``person`` lies within ``actor``'s scope for ``action`` on customers."""
    vis = visibility(actor, OT_CUSTOMER, action)
    if vis.everything or person.pk in vis.user_ids:
        return True
    unit = main_unit(person)
    if unit is None:
        return False
    return unit.pk in vis.unit_ids or any(unit.path.startswith(p) for p in vis.unit_paths)


# --- claim ----------------------------------------------------------------------------------


def _lock_quota(user: User) -> None:
    """Per-person quotas are locked before the object (DESIGN: races)."""
    User.objects.select_for_update().filter(pk=user.pk).exists()


def claims_today(user: User, *, now: dt.datetime | None = None) -> int:
    return PoolEvent.objects.filter(actor=user, kind=PoolEventKind.CLAIM, at__gte=day_start(now)).count()


def _take(*, customer_id: int, pool_id: int, to: User, now: dt.datetime, protection) -> int:
    """The conditional UPDATE: the customer moves from pool ``pool_id`` to ``to`` only if
    it still lies there with no owner. Returns the rows changed (0: someone was first)."""
    return Customer.objects.filter(pk=customer_id, pool_id=pool_id, owner__isnull=True, deleted_at__isnull=True).update(
        owner=to,
        owner_unit=main_unit(to),
        pool=None,
        received_at=now,
        protected_until=protected_until_on_receipt(timezone.localdate(now), protection.value),
        extension_count=0,
        recycle_warned_at=None,
        updated_at=now,
    )


def _fresh(customer: Customer | int) -> Customer:
    pk = customer.pk if isinstance(customer, Customer) else customer
    c = Customer.objects.select_related("pool").filter(pk=pk).first()
    if c is None or c.deleted_at is not None:
        raise NotFound()
    return c


def _already_owned(c: Customer) -> Conflict:
    return Conflict(
        _("%(name)s is no longer in the pool: %(owner)s holds it.") % {"name": c.name, "owner": c.owner},
        code="already_claimed",
    )


@transaction.atomic
def customer_claim(
    *,
    actor: User,
    customer: Customer | int,
    pool_policy=None,
    holding_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Customer:
    """领取: take a customer from a pool the actor belongs to. Refused over the daily claim
    limit (resets at midnight business time), over the holding cap (``holding`` policy,
    the same check as registration), within the former owner's cooldown, or when it is
    someone's already. The customer is received now and protected afresh."""
    now = now or timezone.now()
    if not has_perm(actor, OT_POOL, Action.CLAIM):
        raise PermissionDenied(_("You may not claim customers from the public pool."))
    c = _fresh(customer)
    if c.owner_id is not None:
        raise _already_owned(c)
    pool_id = _require_pool(actor, c.pool_id, Action.CLAIM, _("You may not claim from this pool."))
    unit = main_unit(actor)
    policy = pool_policy or policy_for("pool", unit=unit)

    _lock_quota(actor)
    limit = policy.value.claims_per_day
    if limit:
        done = claims_today(actor, now=now)
        if done >= limit:
            raise LimitExceeded(
                _("You have claimed %(done)d customers today; the daily limit is %(limit)d. Try again tomorrow.")
                % {"done": done, "limit": limit},
                code="claim_limit",
            )
    from .customers import holding_cap_check

    holding_cap_check(owner=actor, policy=holding_policy)
    if policy.value.cooldown_days:
        since = now - dt.timedelta(days=policy.value.cooldown_days)
        last = (
            PoolEvent.objects.filter(
                customer_id=c.pk,
                from_owner=actor,
                kind__in=[PoolEventKind.RELEASE, PoolEventKind.RECYCLE],
                at__gte=since,
            )
            .order_by("-at")
            .first()
        )
        if last is not None:
            until = timezone.localdate(last.at + dt.timedelta(days=policy.value.cooldown_days))
            raise LimitExceeded(
                _("You held %(name)s until %(date)s; you may claim it again from %(until)s.")
                % {"name": c.name, "date": f"{timezone.localdate(last.at):%Y-%m-%d}", "until": f"{until:%Y-%m-%d}"},
                code="cooldown",
            )
    protection = protection_policy or policy_for("protection", unit=unit)
    if _take(customer_id=c.pk, pool_id=pool_id, to=actor, now=now, protection=protection) == 0:
        raise Conflict(_("Someone else claimed %(name)s a moment ago.") % {"name": c.name}, code="already_claimed")
    PoolEvent.objects.create(
        customer_id=c.pk,
        pool_id=pool_id,
        kind=PoolEventKind.CLAIM,
        actor=actor,
        to_owner=actor,
        policy_version_id=policy.version_id,
        policy_ref=policy.ref,
        at=now,
    )
    c = Customer.objects.select_related("owner", "owner_unit").get(pk=c.pk)
    audit_record(
        actor=actor,
        action="customer.claim",
        obj=c,
        changes={"owner": [None, actor.pk], "pool": [pool_id, None], "protected_until": [None, c.protected_until]},
        reason=f"pool: {policy.ref}; protection: {protection.ref}",
    )
    return c


@transaction.atomic
def customer_assign_from_pool(
    *,
    actor: User,
    customer: Customer | int,
    to: User,
    reason: str = "",
    pool_policy=None,
    holding_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Customer:
    """A manager gives a pool customer to one of their people. The holding cap applies;
    the daily claim limit and the cooldown do not (the manager decides)."""
    now = now or timezone.now()
    if not has_perm(actor, OT_POOL, Action.ASSIGN):
        raise PermissionDenied(_("You may not assign customers from the public pool."))
    c = _fresh(customer)
    if c.owner_id is not None:
        raise _already_owned(c)
    pool_id = _require_pool(actor, c.pool_id, Action.ASSIGN, _("You may not assign from this pool."))
    if not to.is_active:
        raise ValidationError(_("%(user)s is not an active user.") % {"user": to}, fields={"to": [_("Inactive.")]})
    if to.pk != actor.pk and not _in_user_scope(actor, to, Action.VIEW):
        raise PermissionDenied(_("%(user)s is outside your scope.") % {"user": to})
    unit = main_unit(to)
    policy = pool_policy or policy_for("pool", unit=unit)
    _lock_quota(to)
    from .customers import holding_cap_check

    holding_cap_check(owner=to, policy=holding_policy)
    protection = protection_policy or policy_for("protection", unit=unit)
    if _take(customer_id=c.pk, pool_id=pool_id, to=to, now=now, protection=protection) == 0:
        raise Conflict(_("Someone else claimed %(name)s a moment ago.") % {"name": c.name}, code="already_claimed")
    PoolEvent.objects.create(
        customer_id=c.pk,
        pool_id=pool_id,
        kind=PoolEventKind.ASSIGN,
        actor=actor,
        to_owner=to,
        reason=reason.strip(),
        policy_version_id=policy.version_id,
        policy_ref=policy.ref,
        at=now,
    )
    c = Customer.objects.select_related("owner", "owner_unit").get(pk=c.pk)
    audit_record(
        actor=actor,
        action="customer.assign_from_pool",
        obj=c,
        changes={"owner": [None, to.pk], "pool": [pool_id, None]},
        reason=reason.strip() or f"pool: {policy.ref}",
    )
    if to.pk != actor.pk:
        notify_later(
            recipient_ids=[to.pk],
            event=EVENT_ASSIGNED,
            title=_("%(actor)s gave you %(name)s from the public pool") % {"actor": actor, "name": c.name},
            body=reason.strip(),
            url=_url("customers:customer_detail", c.pk),
        )
    return c


# --- release --------------------------------------------------------------------------------


def _may_release(actor: User, c: Customer) -> bool:
    if c.owner_id == actor.pk:
        return True
    if not has_perm(actor, OT_CUSTOMER, Action.TRANSFER):
        return False
    vis = visibility(actor, OT_CUSTOMER, Action.TRANSFER)
    return Customer.objects.filter(pk=c.pk).filter(vis.q()).exists()


@transaction.atomic
def customer_release(
    *, actor: User, customer: Customer | int, reason: str, pool_policy=None, now: dt.datetime | None = None
) -> Customer:
    """退回: the owner (or a manager with ``transfer`` in scope) gives a customer up to the
    pool the ``pool`` policy names for its unit, with a reason. Its contacts' phones and
    WeChat are masked for everyone until someone claims it."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        msg = _("Say why you release this customer.")
        raise ValidationError(msg, fields={"reason": [msg]})
    pk = customer.pk if isinstance(customer, Customer) else customer
    c = Customer.objects.select_for_update().filter(pk=pk).first()
    if c is None or c.deleted_at is not None:
        raise NotFound()
    visible = Customer.objects.filter(pk=c.pk).visible_to(actor, Action.VIEW).exists()
    if c.pool_id is not None:
        if visible:
            raise Conflict(_("%(name)s is already in the public pool.") % {"name": c.name}, code="already_in_pool")
        raise NotFound()
    if not _may_release(actor, c):
        if visible:
            raise PermissionDenied(_("Only the owner or their manager releases this customer."))
        raise NotFound()
    if c.owner_id is None:
        raise Conflict(_("%(name)s is not held by anyone.") % {"name": c.name})
    if c.is_locked:
        raise Conflict(
            _("%(name)s is locked until %(date)s and cannot be released.")
            % {"name": c.name, "date": f"{c.locked_until:%Y-%m-%d}"},
            code="locked",
        )
    policy = pool_policy or policy_for("pool", unit=c.owner_unit_id)
    pool = pool_for_customer(c, policy.value)
    former = c.owner_id
    before = {"owner": former, "owner_unit": c.owner_unit_id, "protected_until": c.protected_until}
    c.owner = None
    c.owner_unit_id = pool.unit_id
    c.pool = pool
    c.protected_until = None
    c.extension_count = 0
    c.recycle_warned_at = None
    c.save(
        update_fields=[
            "owner", "owner_unit", "pool", "protected_until", "extension_count", "recycle_warned_at", "updated_at",
        ]
    )  # fmt: skip
    PoolEvent.objects.create(
        customer=c,
        pool=pool,
        kind=PoolEventKind.RELEASE,
        actor=actor,
        from_owner_id=former,
        reason=reason,
        policy_version_id=policy.version_id,
        policy_ref=policy.ref,
        at=now,
    )
    audit_record(
        actor=actor,
        action="customer.release",
        obj=c,
        changes={
            "owner": [former, None],
            "owner_unit": [before["owner_unit"], pool.unit_id],
            "pool": [None, pool.pk],
            "protected_until": [before["protected_until"], None],
        },
        reason=reason,
    )
    if former != actor.pk:
        notify_later(
            recipient_ids=[former],
            event=EVENT_RELEASED,
            title=_("%(actor)s released %(name)s to the public pool") % {"actor": actor, "name": c.name},
            body=reason,
            url=_url("customers:pool_list"),
        )
    return c


# --- recycling ------------------------------------------------------------------------------


@dataclass
class RecycleRow:
    customer_id: int
    name: str
    owner_id: int | None
    tier: str
    reason: str
    pool_id: int | None = None
    due: dt.date | None = None


@dataclass
class RecycleReport:
    recycled: list[RecycleRow] = field(default_factory=list)
    batches: int = 0
    dry_run: bool = False

    @property
    def count(self) -> int:
        return len(self.recycled)


_RECYCLE_FIELDS = (
    "pk", "name", "tier", "owner_id", "owner_unit_id", "received_at", "created_at",
    "last_valid_follow_up_at", "last_deal_at", "protected_until",
)  # fmt: skip


@transaction.atomic
def _recycle_batch(*, plan, ids: list[int], now: dt.datetime) -> list[RecycleRow]:
    """Lock the batch, check again (a follow-up may have come in since the selection),
    move what is still due with one UPDATE per target pool, one PoolEvent per customer
    (bulk), and one audit event with a child row per customer."""
    rows = list(
        Customer.objects.select_for_update().filter(pk__in=ids).filter(plan.q).order_by("pk").values(*_RECYCLE_FIELDS)
    )
    if not rows:
        return []
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r["owner_unit_id"] for r in rows if r["owner_unit_id"]})}
    pools: dict[int | None, PublicPool] = {}
    by_pool: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        key = r["owner_unit_id"]
        if key not in pools:
            pools[key] = pool_for_unit(pool_target_unit(units.get(key) if key else None, plan.policy.value))
        by_pool[pools[key].pk].append(r)
    pool_by_id = {p.pk: p for p in pools.values()}
    out: list[RecycleRow] = []
    events: list[PoolEvent] = []
    for pool_id, group in by_pool.items():
        pool = pool_by_id[pool_id]
        Customer.objects.filter(pk__in=[r["pk"] for r in group]).update(
            owner=None,
            owner_unit=pool.unit_id,
            pool=pool,
            protected_until=None,
            extension_count=0,
            recycle_warned_at=None,
            updated_at=now,
        )
        rows_out = [
            RecycleRow(
                customer_id=r["pk"],
                name=r["name"],
                owner_id=r["owner_id"],
                tier=r["tier"],
                reason=plan.reason_for(r),
                pool_id=pool.pk,
            )
            for r in group
        ]
        events.extend(
            PoolEvent(
                customer_id=row.customer_id,
                pool=pool,
                kind=PoolEventKind.RECYCLE,
                actor=None,
                from_owner_id=row.owner_id,
                reason=row.reason,
                policy_version_id=plan.policy.version_id,
                policy_ref=plan.policy.ref,
                at=now,
            )
            for row in rows_out
        )
        out.extend(rows_out)
    PoolEvent.objects.bulk_create(events, batch_size=1000)
    audit_record_bulk(
        actor=None,
        action="customer.recycle",
        object_type=OT_CUSTOMER,
        items=[
            (row.customer_id, row.name, {"owner": [row.owner_id, None], "pool": [None, row.pool_id], "why": row.reason})
            for row in out
        ],
        reason=f"pool: {plan.policy.ref}",
        summary={"count": len(out), "pools": sorted(by_pool), "policy_version_id": plan.policy.version_id},
    )
    by_owner: dict[int, list[str]] = defaultdict(list)
    for row in out:
        if row.owner_id:
            by_owner[row.owner_id].append(row.name)
    for owner_id, names in by_owner.items():
        notify_later(
            recipient_ids=[owner_id],
            event=EVENT_RECYCLED,
            title=_("%(n)d of your customers went back to the public pool") % {"n": len(names)},
            body=", ".join(names[:20]) + ("…" if len(names) > 20 else ""),
            url=_url("customers:pool_list"),
        )
    return out


def pool_recycle_run(*, now: dt.datetime | None = None, dry_run: bool = False) -> RecycleReport:
    """The scheduled job (``customers.pool_recycle``): recycle every customer the ``pool``
    policy of its unit says is idle, in batches of ``batch_size``, one transaction each.
    Idempotent: a recycled customer is no longer held, so a second run finds nothing; a run
    stopped half-way leaves whole batches done and the rest for the next run."""
    from ..selectors.pool import recycle_plans

    now = now or timezone.now()
    report = RecycleReport(dry_run=dry_run)
    for plan in recycle_plans(today=timezone.localdate(now), now=now):
        ids = list(plan.queryset().values_list("pk", flat=True).order_by("pk"))
        if dry_run:
            for r in plan.queryset().order_by("pk").values(*_RECYCLE_FIELDS):
                report.recycled.append(
                    RecycleRow(
                        customer_id=r["pk"],
                        name=r["name"],
                        owner_id=r["owner_id"],
                        tier=r["tier"],
                        reason=plan.reason_for(r),
                    )
                )
            continue
        size = plan.policy.value.batch_size
        for start in range(0, len(ids), size):
            report.recycled.extend(_recycle_batch(plan=plan, ids=ids[start : start + size], now=now))
            report.batches += 1
    return report


def pool_recycle_warn(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[RecycleRow]:
    """The warning job (``customers.pool_recycle_warn``): tell each owner, once per
    clock (``recycle_warned_at``), which customers will be recycled within the policy's
    ``warn_days_before`` working days and on which day."""
    from ..selectors.pool import recycle_plans

    now = now or timezone.now()
    today = timezone.localdate(now)
    warned: list[RecycleRow] = []
    for plan in recycle_plans(today=today, now=now, warning=True):
        ids = list(plan.queryset().values_list("pk", flat=True).order_by("pk"))
        size = plan.policy.value.batch_size
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            if dry_run:
                rows = plan.queryset().filter(pk__in=batch).order_by("pk").values(*_RECYCLE_FIELDS)
                warned.extend(
                    RecycleRow(r["pk"], r["name"], r["owner_id"], r["tier"], plan.reason_for(r), due=plan.due_for(r))
                    for r in rows
                )
                continue
            warned.extend(_warn_batch(plan=plan, ids=batch, now=now))
    return warned


@transaction.atomic
def _warn_batch(*, plan, ids: list[int], now: dt.datetime) -> list[RecycleRow]:
    rows = list(
        Customer.objects.select_for_update().filter(pk__in=ids).filter(plan.q).order_by("pk").values(*_RECYCLE_FIELDS)
    )
    if not rows:
        return []
    Customer.objects.filter(pk__in=[r["pk"] for r in rows], recycle_warned_at__isnull=True).update(
        recycle_warned_at=now
    )
    out = [
        RecycleRow(r["pk"], r["name"], r["owner_id"], r["tier"], plan.reason_for(r), due=plan.due_for(r)) for r in rows
    ]
    audit_record_bulk(
        actor=None,
        action="customer.recycle_warn",
        object_type=OT_CUSTOMER,
        items=[(row.customer_id, row.name, {"due": row.due, "why": row.reason}) for row in out],
        reason=f"pool: {plan.policy.ref}",
        summary={"count": len(out)},
    )
    by_owner: dict[int, list[RecycleRow]] = defaultdict(list)
    for row in out:
        if row.owner_id:
            by_owner[row.owner_id].append(row)
    for owner_id, items in by_owner.items():
        lines = [
            _("%(name)s: recycled on %(date)s unless followed up") % {"name": r.name, "date": f"{r.due:%Y-%m-%d}"}
            for r in items[:20]
        ]
        notify_later(
            recipient_ids=[owner_id],
            event=EVENT_RECYCLE_WARNING,
            title=_("%(n)d of your customers will go back to the public pool soon") % {"n": len(items)},
            body="\n".join(lines),
            url=_url("customers:my_day"),
        )
    return out


# --- pools (administration) ---------------------------------------------------------------


@transaction.atomic
def pool_create(*, actor: User, name: str, unit: OrgUnit | None) -> PublicPool:
    if not has_perm(actor, OT_POOL, Action.CREATE):
        raise PermissionDenied(_("You may not create public pools."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the pool a name."), fields={"name": [_("This field is required.")]})
    exists = PublicPool.objects.filter(unit=unit) if unit is not None else PublicPool.objects.filter(unit__isnull=True)
    if exists.exists():
        raise Conflict(_("This unit has a public pool already."), code="duplicate")
    pool = PublicPool.objects.create(name=name, unit=unit)
    audit_record(actor=actor, action="pool.create", obj=pool, after={"name": name, "unit": unit.pk if unit else None})
    return pool


@transaction.atomic
def pool_update(*, actor: User, pool: PublicPool, name: str, is_active: bool) -> PublicPool:
    if not has_perm(actor, OT_POOL, Action.EDIT):
        raise PermissionDenied(_("You may not change public pools."))
    pool = PublicPool.objects.select_for_update().get(pk=pool.pk)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the pool a name."), fields={"name": [_("This field is required.")]})
    before = {"name": pool.name, "is_active": pool.is_active}
    pool.name, pool.is_active = name, is_active
    pool.save(update_fields=["name", "is_active"])
    audit_record(
        actor=actor, action="pool.update", obj=pool, before=before, after={"name": name, "is_active": is_active}
    )
    return pool


register_events()
