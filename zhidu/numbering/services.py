"""Issuing document numbers, changing numbering rules, voiding numbered documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import Conflict, ValidationError

from .models import NumberCounter, NumberedModel, NumberingRule
from .permissions import require_edit
from .registry import numbering_default
from .rules import RuleSpec, rule_errors
from .selectors import _unknown, numbering_rule


def number_next(key: str, *, on: dt.date | None = None, using: str = DEFAULT_DB_ALIAS) -> str:
    """The next number of document type ``key`` for the date ``on`` (default: today in
    the business time zone), e.g. ``HT-202611-0007``.

    One statement increments the counter of the rule's period and returns the new value.
    It runs in the caller's transaction, so the counter row stays locked until the
    document is saved and committed: a second document waits, and a rollback gives the
    number back. Numbers are therefore unique and without gaps. Must be called inside
    ``transaction.atomic`` (outside, the number would be committed before its document).
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "number_next() must run inside transaction.atomic(), in the transaction that saves the document."
        )
    spec = numbering_rule(key)
    on = on or timezone.localdate()
    period = spec.period(on)
    qn = connection.ops.quote_name
    table, col_key, col_period, col_value = (
        qn(NumberCounter._meta.db_table),
        qn("rule_key"),
        qn("period"),
        qn("value"),
    )
    # Raw SQL on purpose (DESIGN: numbering): the ORM cannot say "insert, or add one to
    # the existing row, and give me the result" in one statement. SQLite 3.35+ and
    # PostgreSQL both support INSERT … ON CONFLICT … DO UPDATE … RETURNING.
    sql = (
        f"INSERT INTO {table} ({col_key}, {col_period}, {col_value}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({col_key}, {col_period}) DO UPDATE SET {col_value} = {table}.{col_value} + 1 "
        f"RETURNING {col_value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, period])
        value = cursor.fetchone()[0]
    return spec.format(int(value), on)


def document_number_assign(*, obj: NumberedModel, on: dt.date | None = None, save: bool = True) -> str:
    """Give ``obj`` its number, once, at the state its owner defines (call it from the
    owning service, inside its transaction)."""
    if obj.number:
        raise Conflict(_("This document already has the number %(number)s.") % {"number": obj.number})
    if not obj.numbering_key:
        raise TypeError(f"{type(obj).__name__}.numbering_key is not set")
    obj.number = number_next(obj.numbering_key, on=on)
    if save and obj.pk is not None:
        type(obj)._base_manager.filter(pk=obj.pk, number="").update(number=obj.number)
    return obj.number


@transaction.atomic
def document_void(*, actor, obj: NumberedModel, reason: str) -> NumberedModel:
    """Void a numbered document: it stays, with its number, marked void with who, when
    and why. The owning app checks who may void before calling this."""
    reason = (reason or "").strip()
    if not reason:
        msg = _("Say why this document is voided.")
        raise ValidationError(msg, fields={"reason": [msg]})
    if not isinstance(obj, NumberedModel):
        raise TypeError("document_void() takes a NumberedModel")
    now = timezone.now()
    updated = (
        type(obj)
        ._base_manager.filter(pk=obj.pk, voided_at__isnull=True)
        .update(voided_at=now, voided_by=actor, void_reason=reason)
    )
    if updated != 1:
        raise Conflict(_("%(number)s is already voided.") % {"number": obj.number or obj.pk}, code="already_voided")
    obj.voided_at, obj.voided_by, obj.void_reason = now, actor, reason
    audit_record(
        actor=actor, action=f"{obj._meta.label_lower}.void", obj=obj, changes={"voided_at": now}, reason=reason
    )
    return obj


def _coerce_width(width: Any) -> Any:
    if isinstance(width, str) and width.strip().isdigit():
        return int(width.strip())
    return width


@transaction.atomic
def numbering_rule_update(
    *, actor, key: str, prefix: str, date_part: str, width: int, reset: str, separator: str
) -> NumberingRule:
    """Set the rule of a document type (an override of its default in code). Numbers
    already issued keep their form; the change applies to the next number. Changing when
    the sequence restarts or how much of the date it shows is refused once numbers were
    issued in the current period, because the new counter could repeat them; make that
    change at the start of a period."""
    require_edit(actor)
    default = numbering_default(key)
    if default is None:
        raise _unknown(key)
    width = _coerce_width(width)
    prefix = prefix.strip() if isinstance(prefix, str) else prefix
    errors = rule_errors(prefix=prefix, date_part=date_part, width=width, reset=reset, separator=separator)
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], fields=errors)
    current = numbering_rule(key)
    if (date_part, reset) != (current.date_part, current.reset):
        new = RuleSpec(key=key, label=default.label, prefix=prefix, date_part=date_part, reset=reset, width=width)
        today = timezone.localdate()
        periods = {current.period(today), new.period(today)}
        if NumberCounter.objects.filter(rule_key=key, period__in=periods, value__gt=0).exists():
            msg = _(
                "Numbers were already issued this period under the current rule; change the date part or the "
                "restart period at the start of a new period, before the first number."
            )
            raise ValidationError(msg, fields={"reset": [msg]}, code="period_in_use")
    row = NumberingRule.objects.select_for_update().filter(key=key).first()
    before = snapshot(row, ["prefix", "date_part", "width", "reset", "separator"]) if row else {}
    if row is None:
        row = NumberingRule(key=key)
    row.prefix, row.date_part, row.width, row.reset, row.separator = prefix, date_part, width, reset, separator
    row.updated_by = actor
    try:
        row.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc)
    row.save()
    audit_record(
        actor=actor,
        action="numbering_rule.update",
        obj=row,
        before=before,
        after=snapshot(row, ["prefix", "date_part", "width", "reset", "separator"]),
    )
    return row


@transaction.atomic
def numbering_rule_reset(*, actor, key: str) -> None:
    """Drop the admin's override: the default in code applies again (same checks as an
    update, since the default may restart differently)."""
    require_edit(actor)
    default = numbering_default(key)
    if default is None:
        raise _unknown(key)
    row = NumberingRule.objects.select_for_update().filter(key=key).first()
    if row is None:
        return
    if (row.date_part, row.reset) != (default.date_part, default.reset):
        today = timezone.localdate()
        current = numbering_rule(key)
        periods = {current.period(today), default.period(today)}
        if NumberCounter.objects.filter(rule_key=key, period__in=periods, value__gt=0).exists():
            msg = _(
                "Numbers were already issued this period under the current rule; go back to the default at the "
                "start of a new period, before the first number."
            )
            raise ValidationError(msg, fields={"reset": [msg]}, code="period_in_use")
    before = snapshot(row, ["prefix", "date_part", "width", "reset", "separator"])
    audit_record(actor=actor, action="numbering_rule.reset", obj=row, before=before, after={})
    row.delete()
