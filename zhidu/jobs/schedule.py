"""When a job is due: cron expressions (five fields) and fixed intervals, both read in the
business time zone. Pure functions, no database.

A *slot* is the moment a run was due. The scheduler only ever looks at the latest slot at
or before now: a scheduler that was down for a day runs each job once when it comes back,
not once per missed slot."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.utils.translation import gettext as _

# Interval slots are counted from this midnight (business time zone), so "every 1 hour"
# falls on the hour and "every 1 day" at midnight.
_ANCHOR = dt.datetime(2000, 1, 3)
_EVERY_RE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def business_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def validate_cron(expr: str) -> str:
    """Five fields (minute hour day month weekday) or an alias such as ``@daily``."""
    expr = (expr or "").strip()
    fields = expr.split()
    if not expr or not (len(fields) == 5 or (len(fields) == 1 and expr.startswith("@"))) or not croniter.is_valid(expr):
        raise ValueError(
            _("“%(expr)s” is not a valid cron expression (five fields: minute hour day month weekday).")
            % {"expr": expr}
        )
    return expr


def parse_every(value) -> dt.timedelta:
    """``90``, ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` or a timedelta → timedelta (≥ 1 s)."""
    if isinstance(value, dt.timedelta):
        delta = value
    elif isinstance(value, int) and not isinstance(value, bool):
        delta = dt.timedelta(seconds=value)
    else:
        m = _EVERY_RE.match(str(value))
        if not m:
            raise ValueError(
                _("“%(value)s” is not a valid interval: write a number with s, m, h or d, e.g. 15m or 1d.")
                % {"value": value}
            )
        delta = dt.timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2).lower()])
    if delta < dt.timedelta(seconds=1):
        raise ValueError(_("The interval must be at least one second."))
    return delta


def format_every(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Schedule:
    cron: str | None = None
    every: dt.timedelta | None = None
    enabled: bool = True
    source: str = "code"  # "code" or "policy"
    warning: str = ""  # why a policy entry was ignored
    policy_ref: str = ""  # the policy version it came from

    def describe(self) -> str:
        if self.cron:
            return f"cron {self.cron}"
        if self.every:
            return f"every {format_every(self.every)}"
        return ""

    def describe_with_source(self) -> str:
        if self.source == "policy":
            return f"{self.describe()} ({self.policy_ref or 'policy'})"
        return self.describe()

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The last moment at or before ``now`` when the job was due (aware, whole seconds)."""
        local = now.astimezone(business_tz())
        if self.cron:
            # croniter's get_prev is strictly before its start; nudge to include ``now``.
            slot = croniter(self.cron, local + dt.timedelta(microseconds=1)).get_prev(dt.datetime)
        else:
            assert self.every is not None
            anchor = _ANCHOR.replace(tzinfo=local.tzinfo)
            step = int(self.every.total_seconds())
            elapsed = int((local - anchor).total_seconds())
            slot = anchor + dt.timedelta(seconds=elapsed - elapsed % step)
        return slot.replace(microsecond=0).astimezone(dt.UTC)

    def next_slot(self, now: dt.datetime) -> dt.datetime:
        """The first moment strictly after ``now`` when the job is due."""
        local = now.astimezone(business_tz())
        if self.cron:
            slot = croniter(self.cron, local).get_next(dt.datetime)
            return slot.astimezone(dt.UTC)
        assert self.every is not None
        return self.latest_slot(now) + self.every
