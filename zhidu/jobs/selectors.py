"""Reads for the jobs pages and API. The job pages are for staff; a progress row is for
the person who started it and for staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from zhidu.core.errors import NotFound, PermissionDenied

from .choices import RunStatus
from .models import JobRun, TaskProgress
from .policies import schedule_for, schedule_policy_resolve
from .registry import PeriodicJob, all_jobs
from .schedule import Schedule

RECENT_RUNS = 5


def require_staff(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        raise PermissionDenied()


@dataclass
class JobOverview:
    job: PeriodicJob
    schedule: Schedule
    next_run: dt.datetime | None
    last_runs: list[JobRun] = field(default_factory=list)
    failures_7d: int = 0

    @property
    def key(self) -> str:
        return self.job.key

    @property
    def label(self) -> Any:
        return self.job.label

    @property
    def last_run(self) -> JobRun | None:
        return self.last_runs[0] if self.last_runs else None

    @property
    def last_failure(self) -> JobRun | None:
        return next((r for r in self.last_runs if r.status == RunStatus.FAILED), None)


def job_overview_list(*, user, now: dt.datetime | None = None, keys: list[str] | None = None) -> list[JobOverview]:
    """Every job with its schedule in force, next run, last runs and recent failures —
    three queries whatever the number of jobs."""
    require_staff(user)
    now = now or timezone.now()
    resolved = schedule_policy_resolve(now)
    jobs = [j for j in all_jobs() if keys is None or j.key in keys]
    job_keys = [j.key for j in jobs]
    ranked = (
        JobRun.objects.filter(job__in=job_keys)
        .annotate(rank=Window(RowNumber(), partition_by=[F("job")], order_by=[F("slot").desc(), F("id").desc()]))
        .filter(rank__lte=RECENT_RUNS)
        .order_by("job", "rank")
    )
    recent: dict[str, list[JobRun]] = {}
    for run in ranked:
        recent.setdefault(run.job, []).append(run)
    failures = dict(
        JobRun.objects.filter(job__in=job_keys, status=RunStatus.FAILED, slot__gte=now - dt.timedelta(days=7))
        .values_list("job")
        .annotate(n=Count("id"))
        .values_list("job", "n")
    )
    out = []
    for job in jobs:
        schedule = schedule_for(job, resolved)
        out.append(
            JobOverview(
                job=job,
                schedule=schedule,
                next_run=schedule.next_slot(now) if schedule.enabled else None,
                last_runs=recent.get(job.key, []),
                failures_7d=failures.get(job.key, 0),
            )
        )
    return out


def schedule_policy_unknown_keys() -> list[str]:
    """Entries of the schedule policy that no job uses (typos, removed jobs)."""
    policy = schedule_policy_resolve().policy
    if policy is None:
        return []
    used = {j.schedule_key for j in all_jobs()}
    return sorted(k for k in policy.jobs if k not in used)


def job_run_list(*, user, job: str | None = None):
    require_staff(user)
    qs = JobRun.objects.select_related("requested_by")
    if job:
        qs = qs.filter(job=job)
    return qs.order_by("-slot", "-id")


def job_run_failures(*, user, limit: int = 10) -> list[JobRun]:
    require_staff(user)
    return list(JobRun.objects.filter(status=RunStatus.FAILED).order_by("-finished_at", "-id")[:limit])


def task_results_available() -> bool:
    from django.tasks import default_task_backend

    return apps.is_installed("django_tasks_db") and type(default_task_backend).__module__.startswith("django_tasks_db")


def task_result_list(*, user):
    """Task results of the database backend, newest first (empty under RQ: those live in
    Redis and django-rq shows them)."""
    require_staff(user)
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.order_by("-enqueued_at")


def progress_get(*, user, pk: int) -> TaskProgress:
    progress = TaskProgress.objects.filter(pk=pk).first()
    if progress is None or not (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_staff or (progress.owner_id is not None and progress.owner_id == user.pk))
    ):
        raise NotFound()
    return progress
