"""A numbering rule as plain data: how a number looks and which counter period it draws
from. Pure functions, shared by the registry (defaults in code), the services (the
admin's overrides) and the pages (previews)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .choices import DatePart, ResetPeriod, Separator

PREFIX_RE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff]{0,12}$")
WIDTH_MIN, WIDTH_MAX = 1, 12
_DATE_LEVEL = {DatePart.NONE: 0, DatePart.YYYY: 1, DatePart.YYYYMM: 2, DatePart.YYYYMMDD: 3}
_RESET_LEVEL = {ResetPeriod.NEVER: 0, ResetPeriod.YEARLY: 1, ResetPeriod.MONTHLY: 2, ResetPeriod.DAILY: 3}
_DATE_FMT = {DatePart.NONE: "", DatePart.YYYY: "%Y", DatePart.YYYYMM: "%Y%m", DatePart.YYYYMMDD: "%Y%m%d"}
_PERIOD_FMT = {
    ResetPeriod.NEVER: "",
    ResetPeriod.YEARLY: "%Y",
    ResetPeriod.MONTHLY: "%Y%m",
    ResetPeriod.DAILY: "%Y%m%d",
}


@dataclass(frozen=True)
class RuleSpec:
    key: str
    label: Any
    prefix: str
    date_part: str = DatePart.YYYYMM
    width: int = 4
    reset: str = ResetPeriod.MONTHLY
    separator: str = Separator.HYPHEN
    description: Any = ""
    overridden: bool = False  # an admin's row overrides the default in code

    @property
    def date_part_label(self) -> str:
        return str(DatePart(self.date_part).label)

    @property
    def reset_label(self) -> str:
        return str(ResetPeriod(self.reset).label)

    @property
    def separator_label(self) -> str:
        return str(Separator(self.separator).label)

    def period(self, on: dt.date) -> str:
        """The counter a number on ``on`` draws from: '' (never reset), '2026', '202611'…"""
        fmt = _PERIOD_FMT[ResetPeriod(self.reset)]
        return on.strftime(fmt) if fmt else ""

    def format(self, sequence: int, on: dt.date) -> str:
        """``HT-202611-0007``. A sequence longer than the width is written in full: still
        unique, never cut."""
        fmt = _DATE_FMT[DatePart(self.date_part)]
        parts = [self.prefix, on.strftime(fmt) if fmt else "", str(sequence).zfill(self.width)]
        return self.separator.join(p for p in parts if p)


def rule_errors(*, prefix: Any, date_part: Any, width: Any, reset: Any, separator: Any) -> dict[str, list[str]]:
    """Field errors of a rule, translated; empty when it is valid. A reset period finer
    than the date part (monthly reset with only the year in the number) would issue the
    same number twice, so it is refused."""
    errors: dict[str, list[str]] = {}
    if not isinstance(prefix, str) or not PREFIX_RE.match(prefix):
        errors["prefix"] = [_("Use up to 12 letters, digits or Chinese characters.")]
    if date_part not in DatePart.values:
        errors["date_part"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(DatePart.values)}]
    if reset not in ResetPeriod.values:
        errors["reset"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(ResetPeriod.values)}]
    if separator not in Separator.values:
        errors["separator"] = [_("Choose one of: - _ . or none.")]
    if isinstance(width, bool) or not isinstance(width, int) or not WIDTH_MIN <= width <= WIDTH_MAX:
        errors["width"] = [
            _("The sequence width is a whole number from %(min)s to %(max)s.") % {"min": WIDTH_MIN, "max": WIDTH_MAX}
        ]
    if (
        "date_part" not in errors
        and "reset" not in errors
        and _RESET_LEVEL[ResetPeriod(reset)] > _DATE_LEVEL[DatePart(date_part)]
    ):
        errors["reset"] = [
            _("A number that restarts %(reset)s must show at least that much of the date; choose a longer date part.")
            % {"reset": str(ResetPeriod(reset).label).lower()}
        ]
    return errors
