"""Periodic jobs, declared in code next to the work they do.

::

    from zhidu.jobs.registry import periodic_job

    @periodic_job("customers.pool_recycle", label=_("Recycle idle customers to the pool"), cron="0 2 * * *")
    def pool_recycle(*, slot):          # ``slot`` (the aware datetime it was due) is optional
        n = customer_recycle_due(now=slot)
        return n                        # rows affected (an int), or a dict with "rows"

Give exactly one of ``cron`` (five fields, business time zone, e.g. ``"0 2 * * *"``) or
``every`` (a ``timedelta``, slots aligned to midnight in the business time zone). The
company can override either, or turn the job off, with the ``schedule`` policy (see
:mod:`zhidu.jobs.policies`); ``policy_key`` names the entry there (default: the job key),
so several jobs can share one entry.

The function is run by the worker through one generic task
(:func:`zhidu.jobs.tasks.job_run_execute_task`), outside any transaction: commit in
batches and be idempotent — a run killed half-way is run again. Modules named
``tasks.py`` or ``jobs.py`` in every installed app are imported to find the jobs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .schedule import Schedule, validate_cron


@dataclass(frozen=True)
class PeriodicJob:
    key: str
    label: Any
    func: Callable[..., Any]
    every: dt.timedelta | None = None
    cron: str | None = None
    policy_key: str | None = None

    @property
    def default_schedule(self) -> Schedule:
        return Schedule(cron=self.cron, every=self.every, enabled=True, source="code")

    @property
    def schedule_key(self) -> str:
        return self.policy_key or self.key

    @property
    def module_path(self) -> str:
        return f"{self.func.__module__}.{getattr(self.func, '__qualname__', self.key)}"


_jobs: dict[str, PeriodicJob] = {}
_discovered = False


def periodic_job(
    key: str,
    *,
    label: Any,
    every: dt.timedelta | None = None,
    cron: str | None = None,
    policy_key: str | None = None,
):
    """Register the decorated function (or ``django.tasks`` task) as a periodic job."""
    if (every is None) == (cron is None):
        raise ValueError(f"periodic job {key!r}: give exactly one of every= or cron=")
    if every is not None and every < dt.timedelta(seconds=1):
        raise ValueError(f"periodic job {key!r}: every= must be at least one second")
    if cron is not None:
        validate_cron(cron)

    def decorator(func):
        target = getattr(func, "func", func)  # a django.tasks Task wraps its function
        job = PeriodicJob(key=key, label=label, func=target, every=every, cron=cron, policy_key=policy_key)
        old = _jobs.get(key)
        if old is not None and old.module_path != job.module_path:
            raise ValueError(f"periodic job {key!r} is already registered by {old.module_path}")
        _jobs[key] = job
        return func

    return decorator


def unregister_job(key: str) -> None:
    """For tests that register a job of their own."""
    _jobs.pop(key, None)


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks", "jobs")
        _discovered = True


def find_job(key: str) -> PeriodicJob | None:
    _discover()
    return _jobs.get(key)


def all_jobs() -> list[PeriodicJob]:
    _discover()
    return sorted(_jobs.values(), key=lambda j: j.key)
