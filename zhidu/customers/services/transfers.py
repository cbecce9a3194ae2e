"""离职交接 / 客户转移: moving a person's customers (and what goes with them) to another
person or to a public pool in one audited operation, with a result per row.

Rules (issue 4; seed 003: a leaver hands in every record before leaving):

- Who: a manager holding ``transfer`` on customers, only for records in their data scope,
  only to people within their units. Reps cannot transfer (they release to the pool).
- What goes along: contacts (they belong to the customer), open leads of the person
  (handover), open development-plan steps of the moved customers, and the leaver's pending
  approval tasks (through ``zhidu.approvals``' reassign service). Follow-up history stays
  as it was: a past follow-up was made by the person who made it, and the new-customer
  credit (``Customer.credit_to``) stays with the original owner — a transfer never moves
  credit for deals already won.
- The receiver's holding cap (库容, the ``holding`` policy) is respected per row: rows
  over the cap fail with the reason, the rest go through.
- ``owner``/``owner_unit`` are re-stamped in one UPDATE (DESIGN: org and data scope); one
  parent audit event with a child row per record; the receiver is notified.
- A person who still owns customers or open leads cannot be deactivated
  (``register_owned_records``); when a person moves unit the ``transfer`` policy says
  whether their customers follow them (``unit_moves.customers_follow_owner_move``).
Bulk actions on the list are in ``bulk_actions.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.audit.services import audit_record, audit_record_bulk
from zhidu.core.errors import ApplicationError, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, main_unit, user_roles, visibility

from ..choices import CustomerStatus, JobStatus, PoolEventKind, TransferKind
from ..models import (
    Collaborator,
    Customer,
    DevelopmentStep,
    Lead,
    PoolEvent,
    PublicPool,
    Transfer,
    TransferItem,
)
from ..policies import policy_for
from ..policies.customers import holding_cap, protected_until_on_receipt
from ..policies.transfer import INCLUDE_APPROVALS, INCLUDE_LEADS, INCLUDE_STEPS, default_include

logger = logging.getLogger(__name__)

OT = "customers.customer"
OT_LEAD = "customers.lead"
OT_TRANSFER = "customers.transfer"
EVENT_RECEIVED = "customers.transfer_received"
EVENT_MOVED_AWAY = "customers.transfer_moved_away"
MAX_ROWS = 5000  # one operation; a bigger handover is several


# --- registration (AppConfig.ready) ------------------------------------------------------------


def owned_customers_count(user: User) -> int:
    return Customer.objects.alive().filter(owner=user).count()


def open_leads_count(user: User) -> int:
    return Lead.objects.open().filter(owner=user).count()


def register() -> None:
    """Deactivation guard, the unit-move hook and the notification events (idempotent)."""
    from zhidu.org import services as org_services

    labels = {label for label, _counter in org_services._owned_record_counters}
    if str(gettext_lazy("customers")) not in labels:
        org_services.register_owned_records(gettext_lazy("customers"), owned_customers_count)
        org_services.register_owned_records(gettext_lazy("open leads"), open_leads_count)
    from .unit_moves import post_change_hook

    org_services.register_post_change_hook(post_change_hook)
    try:
        from zhidu.notifications.registry import register_event
    except ImportError:
        return
    register_event(EVENT_RECEIVED, gettext_lazy("Customers were transferred to me"), ["in_app", "email"])
    register_event(EVENT_MOVED_AWAY, gettext_lazy("My customers were transferred to someone else"), ["in_app"])


def _notify(recipients: list[int], event: str, title: str, body: str, url: str) -> None:
    """In the caller's transaction (a rollback notifies nobody); nothing when the
    notifications app is not installed."""
    ids = sorted({i for i in recipients if i})
    if not ids:
        return
    try:
        from zhidu.notifications.services import notify
    except ImportError:
        logger.info("notifications app not installed; %s to %s: %s", event, ids, title)
        return
    notify(recipients=ids, event=event, title=title, body=body, url=url)


def _url(name: str, *args) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- scope ----------------------------------------------------------------------------------


def person_in_scope(actor: User, person: User, action: str = Action.TRANSFER) -> bool:
    """Whether ``person`` works in a unit within ``actor``'s scope for ``action`` on customers."""
    vis = visibility(actor, OT, action)
    if not vis.allowed:
        return False
    if vis.everything or person.pk in vis.user_ids:
        return True
    unit = main_unit(person)
    if unit is None:
        return False
    return unit.pk in vis.unit_ids or any(unit.path.startswith(p) for p in vis.unit_paths)


def people_in_scope(actor: User, action: str = Action.TRANSFER):
    """Active people a transfer by ``actor`` may go to (the receiver list of the forms)."""
    from zhidu.org.models import Post

    vis = visibility(actor, OT, action)
    users = User.objects.filter(is_active=True)
    if not vis.allowed:
        return users.none()
    if vis.everything:
        return users.order_by("full_name", "username")
    q = Q(pk__in=sorted(vis.user_ids))
    posts = Post.objects.active().filter(is_main=True)
    unit_q = Q(unit_id__in=sorted(vis.unit_ids))
    for path in sorted(vis.unit_paths):
        unit_q |= Q(unit__path__startswith=path)
    q |= Q(pk__in=posts.filter(unit_q).values("user_id"))
    return users.filter(q).order_by("full_name", "username")


def pools_for(actor: User):
    """Pools a transfer by ``actor`` may send customers to: their units' pools, the pools
    below them, the company pool."""
    from .pool import pool_ids_for

    ids = pool_ids_for(actor, Action.VIEW)
    qs = PublicPool.objects.filter(is_active=True).select_related("unit")
    return qs if ids is None else qs.filter(pk__in=sorted(ids))


# --- results ----------------------------------------------------------------------------------


@dataclass
class Row:
    object_type: str
    object_id: int
    object_repr: str
    ok: bool
    message: str = ""
    changes: dict | None = None


def _item(row: Row) -> TransferItem:
    return TransferItem(
        object_type=row.object_type,
        object_id=str(row.object_id),
        object_repr=row.object_repr[:200],
        ok=row.ok,
        message=row.message[:300],
    )


def _save(transfer: Transfer, rows: list[Row]) -> Transfer:
    items = [_item(r) for r in rows]
    for it in items:
        it.transfer = transfer
    TransferItem.objects.bulk_create(items, batch_size=1000)
    transfer.total = len(rows)
    transfer.succeeded = sum(1 for r in rows if r.ok)
    transfer.failed = transfer.total - transfer.succeeded
    transfer.status = JobStatus.DONE
    transfer.finished_at = timezone.now()
    transfer.save(update_fields=["total", "succeeded", "failed", "status", "finished_at", "updated_at"])
    return transfer


# --- the core move (no permission checks: callers check) ------------------------------------


def _counts_against_cap(c: Customer, holding) -> bool:
    return holding.count_active or c.status != CustomerStatus.ACTIVE


def _move_customers(
    *,
    actor: User | None,
    transfer: Transfer,
    customers: list[Customer],
    to_user: User | None,
    to_pool: PublicPool | None,
    include: set[str],
    policy,
    holding_policy=None,
    protection_policy=None,
    now: dt.datetime,
) -> list[Row]:
    """Decide each row, then apply the good ones with set-based UPDATEs. ``customers``
    are locked rows the caller may move. Returns a row result for every record touched
    (customers first, then what went along)."""
    rows: list[Row] = []
    ok: list[Customer] = []
    held = cap = None
    holding = None
    if to_user is not None:
        # Quotas first, then the objects (DESIGN: races): the receiver's row serialises
        # every registration, claim and transfer that counts against their cap.
        User.objects.select_for_update().filter(pk=to_user.pk).exists()
        holding_resolved = holding_policy or policy_for("holding", unit=main_unit(to_user))
        holding = holding_resolved.value
        cap = holding_cap(user_roles(to_user), holding)
        if cap is not None:
            from .customers import customer_held_count

            held = customer_held_count(to_user, holding)
    for c in customers:
        row = Row(OT, c.pk, c.name, ok=False)
        rows.append(row)
        if c.deleted_at is not None:
            row.message = _("In the recycle bin.")
        elif c.pool_id is not None:
            row.message = _("Lies in a public pool: assign it from the pool instead.")
        elif to_user is not None and c.owner_id == to_user.pk:
            row.message = _("%(user)s already holds it.") % {"user": to_user}
        elif to_pool is not None and c.is_locked:
            row.message = _("Locked until %(date)s: it cannot go to the pool.") % {"date": f"{c.locked_until:%Y-%m-%d}"}
        elif (
            cap is not None
            and held is not None
            and holding is not None
            and _counts_against_cap(c, holding)
            and held + 1 > cap
        ):
            row.message = _(
                "Over the holding cap: %(user)s holds %(held)d customers, the cap is %(cap)d (%(ref)s)."
            ) % {
                "user": to_user,
                "held": held,
                "cap": cap,
                "ref": holding_resolved.ref,
            }
        else:
            row.ok = True
            if held is not None and holding is not None and _counts_against_cap(c, holding):
                held += 1
            ok.append(c)
    if not ok:
        return rows
    ids = [c.pk for c in ok]
    old_owner = {c.pk: c.owner_id for c in ok}
    old_unit = {c.pk: c.owner_unit_id for c in ok}
    if to_user is not None:
        unit = main_unit(to_user)
        fields: dict = {"owner": to_user, "owner_unit": unit, "pool": None, "updated_at": now}
        if policy.value.restart_protection:
            protection = protection_policy or policy_for("protection", unit=unit)
            until = protected_until_on_receipt(timezone.localdate(now), protection.value)
            fields.update(
                received_at=now,
                protected_until=Greatest(Coalesce(F("protected_until"), until), until),
                recycle_warned_at=None,
            )
        Customer.objects.filter(pk__in=ids).update(**fields)
        # The owner is not a collaborator of their own customer.
        Collaborator.objects.filter(customer_id__in=ids, user=to_user).delete()
        new_unit_id = unit.pk if unit else None
        new_owner_id = to_user.pk
    else:
        assert to_pool is not None
        Customer.objects.filter(pk__in=ids).update(
            owner=None,
            owner_unit_id=to_pool.unit_id,
            pool=to_pool,
            protected_until=None,
            extension_count=0,
            recycle_warned_at=None,
            updated_at=now,
        )
        pool_policy = policy_for("pool", unit=to_pool.unit_id)
        PoolEvent.objects.bulk_create(
            [
                PoolEvent(
                    customer_id=c.pk,
                    pool=to_pool,
                    kind=PoolEventKind.RELEASE,
                    actor=actor,
                    from_owner_id=old_owner[c.pk],
                    reason=transfer.reason,
                    policy_version_id=pool_policy.version_id,
                    policy_ref=pool_policy.ref,
                    at=now,
                )
                for c in ok
            ],
            batch_size=1000,
        )
        new_unit_id = to_pool.unit_id
        new_owner_id = None
    for row in rows:
        if row.ok:
            row.changes = {
                "owner": [old_owner[row.object_id], new_owner_id],
                "owner_unit": [old_unit[row.object_id], new_unit_id],
            }
            if to_pool is not None:
                row.changes["pool"] = [None, to_pool.pk]

    if INCLUDE_STEPS in include:
        by_owner: dict[int, list[int]] = defaultdict(list)
        for c in ok:
            previous = old_owner[c.pk]
            if previous is not None:
                by_owner[previous].append(c.pk)
        for owner_id, cids in by_owner.items():
            steps = list(
                DevelopmentStep.objects.filter(plan__customer_id__in=cids, owner_id=owner_id, done_at__isnull=True)
            )
            if not steps:
                continue
            DevelopmentStep.objects.filter(pk__in=[s.pk for s in steps]).update(owner=to_user)
            rows += [
                Row(
                    "customers.developmentstep",
                    s.pk,
                    s.title,
                    ok=True,
                    changes={"owner": [owner_id, new_owner_id]},
                )
                for s in steps
            ]
    return rows


def _move_leads(*, actor: User, from_user: User, to_user: User | None, now: dt.datetime) -> list[Row]:
    """A handover's open leads: to the receiver, or unassigned (for allocation) when the
    customers go to a pool."""
    qs = Lead.objects.open().filter(owner=from_user).order_by("pk")
    leads = list(qs.select_for_update())
    if not leads:
        return []
    if not has_perm(actor, OT_LEAD, Action.TRANSFER):
        return [Row(OT_LEAD, ld.pk, str(ld), ok=False, message=_("You may not transfer leads.")) for ld in leads]
    allowed = set(
        Lead.objects.filter(pk__in=[ld.pk for ld in leads])
        .visible_to(actor, Action.TRANSFER)
        .values_list("pk", flat=True)
    )
    rows, ids = [], []
    for ld in leads:
        if ld.pk not in allowed:
            rows.append(Row(OT_LEAD, ld.pk, str(ld), ok=False, message=_("Outside your scope.")))
            continue
        ids.append(ld.pk)
    unit = main_unit(to_user) if to_user is not None else None
    if ids:
        if to_user is not None:
            Lead.objects.filter(pk__in=ids).update(owner=to_user, owner_unit=unit, assigned_at=now, updated_at=now)
        else:
            Lead.objects.filter(pk__in=ids).update(owner=None, updated_at=now)
    by_id = {ld.pk: ld for ld in leads}
    for pk in ids:
        ld = by_id[pk]
        rows.append(
            Row(
                OT_LEAD,
                pk,
                str(ld),
                ok=True,
                changes={
                    "owner": [from_user.pk, to_user.pk if to_user else None],
                    "owner_unit": [ld.owner_unit_id, unit.pk if unit else ld.owner_unit_id],
                },
            )
        )
    return rows


def _reassign_approval_tasks(*, actor: User, from_user: User, to_user: User) -> list[Row]:
    """The leaver's pending approval tasks go to the receiver through the approvals app's
    own 转交 service (its rules, audit and notifications). A task that service refuses
    (e.g. the actor may not hand on other people's tasks, or the receiver submitted the
    request) stays where it is and is reported."""
    try:
        from zhidu.approvals.choices import TaskStatus
        from zhidu.approvals.models import ApprovalTask
        from zhidu.approvals.services import approval_reassign
    except ImportError:
        return []
    tasks = list(
        ApprovalTask.objects.filter(approver=from_user, status=TaskStatus.PENDING)
        .select_related("request")
        .order_by("pk")
    )
    rows = []
    for task in tasks:
        row = Row("approvals.approvaltask", task.pk, task.request.title, ok=False)
        try:
            with transaction.atomic():
                new = approval_reassign(
                    actor=actor,
                    request=task.request,
                    to=to_user,
                    task=task,
                    comment=_("Handover from %(user)s") % {"user": from_user},
                    handover=True,
                )
        except ApplicationError as exc:
            row.message = str(exc.message)
        else:
            row.ok = True
            row.changes = {"approver": [from_user.pk, new.approver_id]}
        rows.append(row)
    return rows


def _audit(actor, transfer: Transfer, rows: list[Row], action: str) -> None:
    moved = [r for r in rows if r.ok and r.changes is not None]
    parent = audit_record_bulk(
        actor=actor,
        action=action,
        object_type=OT,
        items=[(r.object_id, r.object_repr, r.changes or {}) for r in moved if r.object_type == OT],
        reason=transfer.reason,
        summary={
            "transfer": transfer.pk,
            "kind": transfer.kind,
            "from_user": transfer.from_user_id,
            "to_user": transfer.to_user_id,
            "to_pool": transfer.to_pool_id,
            "succeeded": sum(1 for r in rows if r.ok),
            "failed": sum(1 for r in rows if not r.ok),
        },
    )
    # What went along (leads, steps; approval tasks are audited by the approvals app):
    # child rows of the same event.
    for r in moved:
        if r.object_type in (OT_LEAD, "customers.developmentstep"):
            audit_record(
                actor=actor,
                action=action,
                object_type=r.object_type,
                object_id=r.object_id,
                object_repr=r.object_repr,
                changes=r.changes,
                reason=transfer.reason,
                parent=parent,
            )


# --- the services --------------------------------------------------------------------------


def _check_reason(reason: str, policy) -> str:
    reason = (reason or "").strip()
    if len(reason) < policy.value.min_reason_chars:
        msg = _("Say why these records are transferred.")
        raise ValidationError(msg, fields={"reason": [msg]})
    return reason


@transaction.atomic
def customer_transfer(
    *,
    actor: User,
    reason: str,
    customers: Iterable[Customer | int] | None = None,
    from_user: User | None = None,
    to_user: User | None = None,
    to_pool: PublicPool | None = None,
    include: Iterable[str] | None = None,
    kind: str = TransferKind.TRANSFER,
    transfer_policy=None,
    holding_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Transfer:
    """客户转移 / 离职交接: move ``customers`` (or all of ``from_user``'s) to ``to_user`` or
    ``to_pool`` in one audited operation. Returns the ``Transfer`` with a ``TransferItem``
    per record: customers over the receiver's holding cap, locked ones going to a pool,
    ones already held by the receiver or in the recycle bin fail with the reason; the rest
    go through. ``include`` (default: the ``transfer`` policy) adds ``leads`` (the person's
    open leads), ``steps`` (open development steps) and ``approvals`` (the person's pending
    approval tasks; a handover with ``from_user`` only)."""
    now = now or timezone.now()
    if not has_perm(actor, OT, Action.TRANSFER):
        raise PermissionDenied(_("You may not transfer customers."))
    if (to_user is None) == (to_pool is None):
        msg = _("Choose either a person or a public pool to receive the customers.")
        raise ValidationError(msg, fields={"to_user": [msg]})
    if (customers is None) == (from_user is None):
        raise ValidationError(_("Choose the customers, or the person whose customers all go."))
    policy = transfer_policy or policy_for("transfer", unit=main_unit(from_user) if from_user else None)
    reason = _check_reason(reason, policy)
    include = set(include) if include is not None else default_include(policy.value)
    if to_user is not None:
        if not to_user.is_active:
            msg = _("%(user)s is not an active user.") % {"user": to_user}
            raise ValidationError(msg, fields={"to_user": [msg]})
        if not person_in_scope(actor, to_user):
            msg = _("%(user)s does not work in your units.") % {"user": to_user}
            raise PermissionDenied(msg, fields={"to_user": [msg]})
        if from_user is not None and to_user.pk == from_user.pk:
            msg = _("Choose someone else to receive the customers.")
            raise ValidationError(msg, fields={"to_user": [msg]})
    if to_pool is not None and (not to_pool.is_active or not pools_for(actor).filter(pk=to_pool.pk).exists()):
        msg = _("You may not send customers to this pool.")
        raise PermissionDenied(msg, fields={"to_pool": [msg]})
    if from_user is not None:
        if not person_in_scope(actor, from_user):
            raise PermissionDenied(_("%(user)s does not work in your units.") % {"user": from_user})
        base = Customer.objects.alive().filter(owner=from_user, pool__isnull=True)
        ids = list(base.values_list("pk", flat=True).order_by("pk")[: MAX_ROWS + 1])
    else:
        ids = sorted({c.pk if isinstance(c, Customer) else int(c) for c in customers or []})
        if not ids:
            raise ValidationError(_("Select at least one customer."))
    if len(ids) > MAX_ROWS:
        raise ValidationError(
            _("At most %(n)d customers per transfer; transfer the rest in another one.") % {"n": MAX_ROWS}
        )

    transfer = Transfer.objects.create(
        kind=kind,
        from_user=from_user,
        to_user=to_user,
        to_pool=to_pool,
        reason=reason,
        actor=actor,
        options={"include": sorted(include), "policy_ref": policy.ref, "policy_version_id": policy.version_id},
        status=JobStatus.RUNNING,
    )
    allowed = set(Customer.objects.filter(pk__in=ids).visible_to(actor, Action.TRANSFER).values_list("pk", flat=True))
    locked = list(Customer.objects.select_for_update().filter(pk__in=sorted(allowed)).order_by("pk"))
    refused = [
        Row(OT, pk, name, ok=False, message=_("Not found, or outside your scope."))
        for pk, name in _names([pk for pk in ids if pk not in allowed])
    ]
    rows = _move_customers(
        actor=actor,
        transfer=transfer,
        customers=locked,
        to_user=to_user,
        to_pool=to_pool,
        include=include,
        policy=policy,
        holding_policy=holding_policy,
        protection_policy=protection_policy,
        now=now,
    )
    rows = refused + rows
    if from_user is not None and INCLUDE_LEADS in include:
        rows += _move_leads(actor=actor, from_user=from_user, to_user=to_user, now=now)
    if from_user is not None and INCLUDE_APPROVALS in include:
        receiver = to_user or actor
        if receiver.pk != from_user.pk:
            rows += _reassign_approval_tasks(actor=actor, from_user=from_user, to_user=receiver)
    _save(transfer, rows)
    _audit(actor, transfer, rows, "customer.transfer" if kind != TransferKind.HANDOVER else "customer.handover")
    _tell(actor, transfer, rows)
    return transfer


def _names(ids: list[int]) -> list[tuple[int, str]]:
    if not ids:
        return []
    names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [(pk, names.get(pk, f"#{pk}")) for pk in ids]


def _tell(actor: User | None, transfer: Transfer, rows: list[Row]) -> None:
    n = sum(1 for r in rows if r.ok and r.object_type == OT)
    if not n:
        return
    url = _url("customers:transfer_detail", transfer.pk)
    if transfer.to_user_id and transfer.to_user_id != getattr(actor, "pk", None):
        _notify(
            [transfer.to_user_id],
            EVENT_RECEIVED,
            _("%(n)d customers were transferred to you") % {"n": n},
            transfer.reason,
            url,
        )
    moved_from = {r.changes["owner"][0] for r in rows if r.ok and r.object_type == OT and r.changes}
    moved_from.discard(getattr(actor, "pk", None))
    moved_from.discard(None)
    if moved_from:
        _notify(
            sorted(moved_from),
            EVENT_MOVED_AWAY,
            _("Customers of yours were transferred (%(n)d)") % {"n": n},
            transfer.reason,
            "",
        )


@transaction.atomic
def customer_handover(
    *,
    actor: User,
    from_user: User,
    reason: str,
    to_user: User | None = None,
    to_pool: PublicPool | None = None,
    include: Iterable[str] | None = None,
) -> Transfer:
    """离职交接: everything ``from_user`` holds goes in one operation — customers,
    open leads, open steps, pending approval tasks. Afterwards (when nothing failed)
    the person can be deactivated."""
    return customer_transfer(
        actor=actor,
        reason=reason,
        from_user=from_user,
        to_user=to_user,
        to_pool=to_pool,
        include=include,
        kind=TransferKind.HANDOVER,
    )
