"""Bulk actions on the customer list (transfer, release, tag, assign) with a result per
row, kept as a ``Transfer`` of kind ``bulk``. Each action goes through the service that
owns it (``customer_transfer`` here, the pool's release and assignment, the customers'
tagging), so their rules and audit rows apply row by row."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from zhidu.core.errors import ApplicationError, NotFound, ValidationError
from zhidu.org.models import User

from ..choices import JobStatus, TransferKind
from ..models import Customer, PublicPool, Tag, Transfer
from ..policies.transfer import INCLUDE_STEPS
from .transfers import MAX_ROWS, OT, Row, _names, _save, customer_transfer

BULK_TRANSFER = "transfer"
BULK_RELEASE = "release"
BULK_TAG = "tag"
BULK_ASSIGN = "assign"
BULK_ACTIONS = (BULK_TRANSFER, BULK_RELEASE, BULK_TAG, BULK_ASSIGN)


@transaction.atomic
def customer_bulk_action(
    *,
    actor: User,
    action: str,
    customers: Iterable[Customer | int],
    reason: str = "",
    to_user: User | None = None,
    to_pool: PublicPool | None = None,
    tag: Tag | None = None,
) -> Transfer:
    """One of the list's bulk actions on the selected customers, with a result per row
    kept as a ``Transfer`` of kind ``bulk``: ``transfer`` (to a person or a pool, the
    rules of :func:`customer_transfer`), ``release`` (each through the pool's release
    service), ``tag`` (the customers' tag service) and ``assign`` (pool customers to a
    person, the pool's assignment service)."""
    ids = sorted({c.pk if isinstance(c, Customer) else int(c) for c in customers})
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    if len(ids) > MAX_ROWS:
        raise ValidationError(_("At most %(n)d customers at once.") % {"n": MAX_ROWS})
    if action == BULK_TRANSFER:
        return customer_transfer(
            actor=actor,
            customers=ids,
            to_user=to_user,
            to_pool=to_pool,
            reason=reason,
            kind=TransferKind.BULK,
            include={INCLUDE_STEPS},
        )
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown bulk action."), fields={"action": [_("Not a valid choice.")]})
    reason = (reason or "").strip()
    if action in (BULK_RELEASE,) and not reason:
        msg = _("Say why you release these customers.")
        raise ValidationError(msg, fields={"reason": [msg]})
    if action == BULK_ASSIGN and to_user is None:
        msg = _("Choose the person who receives the customers.")
        raise ValidationError(msg, fields={"to_user": [msg]})
    if action == BULK_TAG and tag is None:
        msg = _("Choose a tag.")
        raise ValidationError(msg, fields={"tag": [msg]})
    transfer = Transfer.objects.create(
        kind=TransferKind.BULK,
        to_user=to_user if action == BULK_ASSIGN else None,
        reason=reason or str(dict(bulk_action_choices()).get(action, action)),
        actor=actor,
        options={"action": action, **({"tag": tag.pk} if tag is not None else {})},
        status=JobStatus.RUNNING,
    )
    names = dict(_names(ids))
    rows: list[Row] = []
    if action == BULK_TAG:
        from .tags import customer_tag_add

        assert tag is not None
        result = customer_tag_add(actor=actor, customers=[Customer(pk=pk) for pk in ids], tag=tag)
        rows = [Row(OT, pk, names.get(pk, ""), ok=not result.get(pk), message=result.get(pk, "")) for pk in ids]
    else:
        from . import pool as pool_svc

        for pk in ids:
            row = Row(OT, pk, names.get(pk, f"#{pk}"), ok=False)
            try:
                with transaction.atomic():
                    if action == BULK_RELEASE:
                        pool_svc.customer_release(actor=actor, customer=pk, reason=reason)
                    else:
                        assert to_user is not None
                        pool_svc.customer_assign_from_pool(actor=actor, customer=pk, to=to_user, reason=reason)
            except NotFound:
                row.message = _("Not found, or outside your scope.")
            except ApplicationError as exc:
                row.message = str(exc.message)
            else:
                row.ok = True
            rows.append(row)
    # Each release, assignment and tagging is audited by its own service; the batch and
    # its results are the Transfer row.
    return _save(transfer, rows)


def bulk_action_choices() -> list[tuple[str, str]]:
    return [
        (BULK_TRANSFER, _("Transfer")),
        (BULK_RELEASE, _("Release to the pool")),
        (BULK_TAG, _("Add a tag")),
        (BULK_ASSIGN, _("Assign from the pool")),
    ]
