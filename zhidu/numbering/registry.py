"""Document types that carry a number register their default rule in code, in their
``AppConfig.ready``::

    register_numbering("contract", _("Contract"), "HT")   # HT-202611-0007

An admin's ``NumberingRule`` row overrides the default; without one the default applies.
"""

from __future__ import annotations

from typing import Any

from .choices import DatePart, ResetPeriod, Separator
from .rules import RuleSpec, rule_errors

_rules: dict[str, RuleSpec] = {}


def register_numbering(
    key: str,
    label: Any,
    default_prefix: str,
    *,
    date_part: str = DatePart.YYYYMM,
    width: int = 4,
    reset: str = ResetPeriod.MONTHLY,
    separator: str = Separator.HYPHEN,
    description: Any = "",
) -> RuleSpec:
    errors = rule_errors(prefix=default_prefix, date_part=date_part, width=width, reset=reset, separator=separator)
    if errors:
        raise ValueError(f"numbering rule {key!r}: {errors}")
    spec = RuleSpec(
        key=key,
        label=label,
        prefix=default_prefix,
        date_part=str(date_part),
        width=width,
        reset=str(reset),
        separator=str(separator),
        description=description,
    )
    _rules[key] = spec
    return spec


def numbering_default(key: str) -> RuleSpec | None:
    return _rules.get(key)


def numbering_defaults() -> list[RuleSpec]:
    return sorted(_rules.values(), key=lambda r: r.key)


def unregister_numbering(key: str) -> None:
    """For tests that register a document type of their own."""
    _rules.pop(key, None)
