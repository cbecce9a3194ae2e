"""A person moves to another unit (a new main post): the ``transfer`` policy says whether
their customers follow them or stay with the unit they leave. ``zhidu.org.services``'
``post_assign`` calls :func:`post_change_hook` (registered by ``transfers.register``) in
its transaction; the org app never imports this one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.org.models import OrgUnit, User
from zhidu.org.permissions import main_unit

from ..choices import JobStatus, TransferKind
from ..models import Customer, Lead, Transfer
from ..policies import policy_for
from ..policies.transfer import INCLUDE_APPROVALS, INCLUDE_LEADS, default_include
from .transfers import OT, OT_LEAD, Row, _audit, _move_customers, _save, _tell


def post_change_hook(*, actor: User | None, user: User, old_unit: OrgUnit, new_unit: OrgUnit) -> None:
    """Registered with ``zhidu.org.services.register_post_change_hook``: ``post_assign``
    calls it in its transaction when a person's main post moves to another unit."""
    customers_follow_owner_move(actor=actor, user=user, new_unit=new_unit, old_unit=old_unit)


@transaction.atomic
def customers_follow_owner_move(
    *,
    actor: User | None,
    user: User,
    new_unit: OrgUnit,
    old_unit: OrgUnit | None = None,
    transfer_policy=None,
    now: dt.datetime | None = None,
) -> Transfer | None:
    """A person moved to ``new_unit``. The ``transfer`` policy of the unit they leave says:

    - ``follow``: their customers and open leads keep their owner and are re-stamped with
      the new unit (one UPDATE each, one audit event with a child row per record);
    - ``stay``: their customers stay with the unit they leave — they go to its head
      (``stay_with=unit_head``; rows over the head's cap, or when there is no other active
      head, go to that unit's pool) or to its pool (``stay_with=pool``).

    Returns the ``Transfer`` recording it (None when there was nothing to move)."""
    now = now or timezone.now()
    policy = transfer_policy or policy_for("transfer", unit=old_unit)
    customers = list(
        Customer.objects.alive()
        .filter(owner=user, pool__isnull=True)
        .exclude(owner_unit=new_unit)
        .select_for_update()
        .order_by("pk")
    )
    leads = list(Lead.objects.open().filter(owner=user).exclude(owner_unit=new_unit).order_by("pk"))
    if not customers and not leads:
        return None
    reason = _("%(user)s moved from %(old)s to %(new)s (%(ref)s).") % {
        "user": user,
        "old": old_unit or "—",
        "new": new_unit,
        "ref": policy.ref,
    }
    if policy.value.on_unit_move == "follow":
        transfer = Transfer.objects.create(
            kind=TransferKind.TRANSFER,
            from_user=user,
            to_user=user,
            reason=reason,
            actor=actor or user,
            options={"unit_move": "follow", "new_unit": new_unit.pk, "policy_ref": policy.ref},
            status=JobStatus.RUNNING,
        )
        rows = [
            Row(OT, c.pk, c.name, ok=True, changes={"owner_unit": [c.owner_unit_id, new_unit.pk]}) for c in customers
        ]
        rows += [
            Row(OT_LEAD, ld.pk, str(ld), ok=True, changes={"owner_unit": [ld.owner_unit_id, new_unit.pk]})
            for ld in leads
        ]
        Customer.objects.filter(pk__in=[c.pk for c in customers]).update(owner_unit=new_unit, updated_at=now)
        Lead.objects.filter(pk__in=[ld.pk for ld in leads]).update(owner_unit=new_unit, updated_at=now)
        _save(transfer, rows)
        _audit(actor, transfer, rows, "customer.follow_owner")
        return transfer

    # stay: to the head of the unit they leave, else (or over the head's cap) its pool.
    from .pool import pool_for_unit

    head = old_unit.head if old_unit is not None and old_unit.head_id else None
    if head is not None and (not head.is_active or head.pk == user.pk):
        head = None
    pool = pool_for_unit(old_unit)
    target_user = head if policy.value.stay_with == "unit_head" else None
    transfer = Transfer.objects.create(
        kind=TransferKind.TRANSFER,
        from_user=user,
        to_user=target_user,
        to_pool=None if target_user else pool,
        reason=reason,
        actor=actor or user,
        options={"unit_move": "stay", "policy_ref": policy.ref},
        status=JobStatus.RUNNING,
    )
    include = default_include(policy.value) - {INCLUDE_APPROVALS}
    rows = _move_customers(
        actor=actor,
        transfer=transfer,
        customers=customers,
        to_user=target_user,
        to_pool=None if target_user else pool,
        include=include,
        policy=policy,
        now=now,
    )
    if target_user is not None:
        failed = {r.object_id for r in rows if r.object_type == OT and not r.ok}
        if failed:
            rest = [c for c in Customer.objects.select_for_update().filter(pk__in=sorted(failed)).order_by("pk")]
            second = _move_customers(
                actor=actor,
                transfer=transfer,
                customers=rest,
                to_user=None,
                to_pool=pool,
                include=include,
                policy=policy,
                now=now,
            )
            done = {r.object_id for r in second if r.ok and r.object_type == OT}
            rows = [r for r in rows if not (r.object_type == OT and r.object_id in done)] + second
    if INCLUDE_LEADS not in include and leads:
        # Leads that do not stay behind follow their owner.
        Lead.objects.filter(pk__in=[ld.pk for ld in leads]).update(owner_unit=new_unit, updated_at=now)
    elif leads:
        unit = main_unit(target_user) if target_user is not None else old_unit
        ids = [ld.pk for ld in leads]
        Lead.objects.filter(pk__in=ids).update(
            owner=target_user, owner_unit=unit, assigned_at=now if target_user else None, updated_at=now
        )
        rows += [
            Row(
                OT_LEAD,
                ld.pk,
                str(ld),
                ok=True,
                changes={"owner": [user.pk, target_user.pk if target_user else None]},
            )
            for ld in leads
        ]
    _save(transfer, rows)
    _audit(actor, transfer, rows, "customer.stay_with_unit")
    _tell(actor, transfer, rows)
    return transfer
