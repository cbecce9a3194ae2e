from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.core.errors import NotFound

from .models import NumberCounter, NumberingRule
from .registry import numbering_default, numbering_defaults
from .rules import RuleSpec


def _unknown(key: str) -> NotFound:
    return NotFound(_("There is no numbering rule for “%(key)s”.") % {"key": key}, code="unknown_numbering_key")


def _apply(spec: RuleSpec, row: NumberingRule | None) -> RuleSpec:
    if row is None:
        return spec
    return dataclasses.replace(
        spec,
        prefix=row.prefix,
        date_part=row.date_part,
        width=row.width,
        reset=row.reset,
        separator=row.separator,
        overridden=True,
    )


def numbering_rule(key: str) -> RuleSpec:
    """The rule in use for a document type: the admin's row over the default in code."""
    spec = numbering_default(key) if isinstance(key, str) else None
    if spec is None:
        raise _unknown(key)
    return _apply(spec, NumberingRule.objects.filter(key=key).first())


def numbering_counter_value(key: str, on: dt.date | None = None) -> int:
    """The last number issued in the period of ``on`` (0 when none)."""
    spec = numbering_rule(key)
    period = spec.period(on or timezone.localdate())
    return NumberCounter.objects.filter(rule_key=key, period=period).values_list("value", flat=True).first() or 0


def numbering_rule_rows(on: dt.date | None = None) -> list[dict[str, Any]]:
    """Every registered document type with its rule, an example and the next number of
    today's period. Two queries whatever the number of types."""
    on = on or timezone.localdate()
    rows = {r.key: r for r in NumberingRule.objects.all()}
    specs = [_apply(s, rows.get(s.key)) for s in numbering_defaults()]
    periods = {(s.key, s.period(on)) for s in specs}
    counters = {
        (c.rule_key, c.period): c.value
        for c in NumberCounter.objects.filter(rule_key__in=[s.key for s in specs], period__in={p for _k, p in periods})
    }
    out = []
    for s in specs:
        last = counters.get((s.key, s.period(on)), 0)
        out.append({"spec": s, "default": numbering_default(s.key), "last": last, "next": s.format(last + 1, on)})
    return out
