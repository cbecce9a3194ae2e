"""The ``schedule`` policy: the company's overrides of the job schedules declared in code.

Document shape (JSON)::

    {"jobs": {"customers.pool_recycle": {"cron": "30 1 * * *"},
              "notifications.deliveries_retry": {"every": "5m"},
              "audit.access_log_purge": {"enabled": false}}}

An entry may give ``cron`` or ``every`` (not both) and/or ``enabled``; what it leaves out
comes from the code. Keys are job keys (or a job's ``policy_key``); a key no job uses is
shown as a warning on the jobs page, never an error, so old versions always parse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .schedule import Schedule, business_tz, parse_every, validate_cron

logger = logging.getLogger(__name__)

SCHEDULE_POLICY = "schedule"


class JobScheduleEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(
        default=None, description="Five-field cron in the business time zone, e.g. '0 2 * * *' (02:00 every day)."
    )
    every: str | None = Field(default=None, description="A fixed interval instead of cron: '30s', '15m', '2h', '1d'.")
    enabled: bool = Field(default=True, description="false stops the job until it is turned on again.")

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        return validate_cron(v) if v not in (None, "") else None

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, v: Any) -> str | None:
        if v in (None, ""):
            return None
        parse_every(v)
        return str(v).strip()

    @model_validator(mode="after")
    def _one_of(self):
        if self.cron and self.every:
            raise ValueError(str(_("Give either cron or every, not both.")))
        return self


class SchedulePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs: dict[str, JobScheduleEntry] = Field(
        default_factory=dict, description="Job key → its schedule override (cron or every, enabled)."
    )


def register_schedule_policy() -> None:
    from zhidu.policies.registry import PolicyKind, register_policy

    register_policy(
        PolicyKind(
            key=SCHEDULE_POLICY,
            label=_("Job schedules"),
            clause="DESIGN: Tasks",
            model=SchedulePolicy,
            description=_(
                "When the periodic jobs run (pool recycling, reminders, …). Leave a job out to keep "
                "the schedule its code declares."
            ),
        )
    )


@dataclasses.dataclass(frozen=True)
class ResolvedSchedules:
    """The schedule policy in force (``None``: code schedules only), why it was ignored
    (``warning``), and which version it is (``ref``, recorded on each run)."""

    policy: SchedulePolicy | None = None
    warning: str = ""
    ref: str = ""


def schedule_policy_resolve(on: dt.date | dt.datetime | None = None) -> ResolvedSchedules:
    """The schedule policy in force, or no policy (with a warning) when the policies store
    is not there or the stored document cannot be read — the jobs then keep their code
    schedules rather than stop."""
    policy_resolve = _policy_resolver()
    if policy_resolve is None:
        return ResolvedSchedules()
    if isinstance(on, dt.datetime):
        on = on.astimezone(business_tz()).date()
    try:
        resolved = policy_resolve(SCHEDULE_POLICY, on=on) if on is not None else policy_resolve(SCHEDULE_POLICY)
    except Exception as exc:  # a broken policy must not stop every job
        logger.warning("schedule policy could not be resolved: %s", exc)
        return ResolvedSchedules(warning=str(exc))
    policy, warning = _as_policy(resolved)
    ref = "" if getattr(resolved, "is_default", False) else str(getattr(resolved, "ref", "") or "")
    return ResolvedSchedules(policy=policy, warning=warning, ref=ref)


def _policy_resolver():
    """``zhidu.policies.services.policy_resolve``, or ``None`` while it does not exist."""
    try:
        from zhidu.policies.services import policy_resolve
    except ImportError:
        return None
    return policy_resolve


def _as_policy(resolved: Any) -> tuple[SchedulePolicy | None, str]:
    """Accept the model itself, a wrapper that holds it (``.value``/``.document``/…), or a
    plain dict, whichever ``policy_resolve`` returns."""
    if resolved is None:
        return None, ""
    candidates = [resolved] + [
        getattr(resolved, attr) for attr in ("value", "model", "policy", "document", "data") if hasattr(resolved, attr)
    ]
    for c in candidates:
        if isinstance(c, SchedulePolicy):
            return c, ""
    for c in candidates:
        if isinstance(c, BaseModel):
            c = c.model_dump()
        if isinstance(c, dict):
            try:
                return SchedulePolicy.model_validate(c), ""
            except ValueError as exc:
                return None, str(exc)
    return None, ""


def schedule_for(job, resolved: ResolvedSchedules | SchedulePolicy | None = None) -> Schedule:
    """The schedule in force for ``job``: its code default overlaid with the policy entry."""
    if not isinstance(resolved, ResolvedSchedules):
        resolved = ResolvedSchedules(policy=resolved)
    policy, warning = resolved.policy, resolved.warning
    base = job.default_schedule
    if warning:
        return dataclasses.replace(base, warning=warning)
    if policy is None:
        return base
    entry = policy.jobs.get(job.schedule_key)
    if entry is None:
        return base
    fields: dict[str, Any] = {"enabled": entry.enabled, "source": "policy", "policy_ref": resolved.ref}
    if entry.cron:
        fields.update(cron=entry.cron, every=None)
    elif entry.every:
        fields.update(cron=None, every=parse_every(entry.every))
    return dataclasses.replace(base, **fields)
