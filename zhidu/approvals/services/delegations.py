"""Delegation (委托) while an approver is away: new approval tasks go to the delegate."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import Conflict, PermissionDenied, ValidationError
from zhidu.org.models import User

from ..models import ApprovalDelegation


def _may_manage(actor: User, user: User) -> bool:
    return actor.pk == user.pk or actor.is_superuser


@transaction.atomic
def approval_delegation_create(
    *,
    actor: User,
    delegate: User,
    valid_from: dt.date,
    valid_to: dt.date,
    user: User | None = None,
    reason: str = "",
) -> ApprovalDelegation:
    """From ``valid_from`` to ``valid_to`` (inclusive), tasks that start for ``user`` go to
    ``delegate``. Tasks already waiting stay where they are (hand them on with 转交)."""
    user = user or actor
    if not actor.is_active or not _may_manage(actor, user):
        raise PermissionDenied(_("You can set delegations only for yourself."))
    errors: dict[str, list[str]] = {}
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("Choose an active user.")]
    elif delegate.pk == user.pk:
        errors["delegate"] = [_("Choose someone other than the approver.")]
    if valid_to < valid_from:
        errors["valid_to"] = [_("The end date cannot be before the start date.")]
    elif valid_to < timezone.localdate():
        errors["valid_to"] = [_("The end date has already passed.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], fields=errors)
    overlap = ApprovalDelegation.objects.select_for_update().filter(
        Q(user=user, revoked_at__isnull=True, valid_from__lte=valid_to, valid_to__gte=valid_from)
    )
    if overlap.exists():
        raise ValidationError(
            _("%(name)s already has a delegation in these dates. End it first.") % {"name": user},
            fields={"valid_from": [_("The dates overlap another delegation.")]},
        )
    row = ApprovalDelegation(user=user, delegate=delegate, valid_from=valid_from, valid_to=valid_to, reason=reason)
    try:
        row.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc)
    row.save()
    audit_record(actor=actor, action="approval_delegation.create", obj=row, after=snapshot(row))
    return row


@transaction.atomic
def approval_delegation_end(*, actor: User, delegation: ApprovalDelegation) -> ApprovalDelegation:
    """End a delegation now (tasks already handed to the delegate stay with them)."""
    if not actor.is_active or not (actor.pk == delegation.user_id or actor.is_superuser):
        raise PermissionDenied(_("You can end only your own delegations."))
    ts = timezone.now()
    done = ApprovalDelegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(revoked_at=ts)
    if not done:
        raise Conflict(_("This delegation has already ended."), code="already_ended")
    delegation.revoked_at = ts
    audit_record(
        actor=actor, action="approval_delegation.end", obj=delegation, changes={"revoked_at": [None, ts.isoformat()]}
    )
    return delegation
