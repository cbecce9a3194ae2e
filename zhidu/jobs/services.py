"""Running periodic jobs: the scheduler's pass, "run now", the worker's side, the reaper.

DESIGN "Tasks": a run is recorded as a ``JobRun(job, slot)`` row under a unique
constraint *before* its task is enqueued (after commit), so two schedulers reaching the
same slot run the job once; tasks are idempotent; a reaper resets tasks left RUNNING by a
killed worker so they run again, or fails them once they have had their attempts.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import traceback
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record
from zhidu.core.context import request_id_var
from zhidu.core.errors import Conflict, NotFound, PermissionDenied

from .choices import ProgressStatus, RunStatus, RunTrigger
from .models import JobRun, TaskProgress
from .policies import schedule_for, schedule_policy_resolve
from .registry import PeriodicJob, all_jobs, find_job

logger = logging.getLogger(__name__)


class TaskAbandoned(Exception):
    """The worker running this task stopped (killed or crashed) before it finished."""


def stale_after_default() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "ZHIDU_TASK_STALE_MINUTES", 60))


def max_task_attempts() -> int:
    return int(getattr(settings, "ZHIDU_TASK_MAX_ATTEMPTS", 3))


def job_get(key: str) -> PeriodicJob:
    job = find_job(key) if isinstance(key, str) else None
    if job is None:
        raise NotFound(_("There is no job “%(key)s”.") % {"key": key}, code="unknown_job")
    return job


# --- scheduling ---------------------------------------------------------------------------


def job_runs_schedule(*, now: dt.datetime | None = None) -> list[JobRun]:
    """One scheduler pass: record and enqueue every enabled job whose latest slot has no
    run yet. Safe to call from several schedulers at once: the unique ``(job, slot)``
    insert decides which one runs it; the others skip."""
    now = now or timezone.now()
    resolved = schedule_policy_resolve(now)
    created: list[JobRun] = []
    for job in all_jobs():
        schedule = schedule_for(job, resolved)
        if not schedule.enabled:
            continue
        slot = schedule.latest_slot(now)
        if JobRun.objects.filter(job=job.key, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = JobRun.objects.create(
                    job=job.key, slot=slot, trigger=RunTrigger.SCHEDULE, schedule=schedule.describe_with_source()[:120]
                )
        except IntegrityError:
            logger.info("job %s slot %s was taken by another scheduler", job.key, slot.isoformat())
            continue
        transaction.on_commit(partial(job_run_enqueue, run))
        created.append(run)
    return created


def next_wakeup(*, now: dt.datetime | None = None, cap: float = 60.0) -> float:
    """Seconds until the next slot of any enabled job (at most ``cap``, so policy changes
    are seen within a minute)."""
    now = now or timezone.now()
    resolved = schedule_policy_resolve(now)
    soonest = cap
    for job in all_jobs():
        schedule = schedule_for(job, resolved)
        if schedule.enabled:
            soonest = min(soonest, (schedule.next_slot(now) - now).total_seconds())
    return max(0.2, soonest + 0.05)


@transaction.atomic
def job_run_request(*, actor, key: str, now: dt.datetime | None = None) -> JobRun:
    """ "Run now" from the jobs page: a run for a manual slot (the current second)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    job = job_get(key)
    now = (now or timezone.now()).replace(microsecond=0)
    if JobRun.objects.filter(job=job.key, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        raise Conflict(_("“%(job)s” is already queued or running.") % {"job": job.label}, code="already_running")
    try:
        with transaction.atomic():
            run = JobRun.objects.create(job=job.key, slot=now, trigger=RunTrigger.MANUAL, requested_by=actor)
    except IntegrityError:
        raise Conflict(_("“%(job)s” was just started. Wait a moment.") % {"job": job.label}, code="already_running")
    audit_record(actor=actor, action="jobs.run_now", obj=run, after={"job": job.key, "slot": now})
    transaction.on_commit(lambda: job_run_enqueue(run))
    return run


def job_run_enqueue(run: JobRun):
    """Hand the run to the task backend (called after the run row is committed)."""
    from .tasks import job_run_execute_task

    try:
        result = job_run_execute_task.enqueue(run.pk)
    except Exception as exc:  # a backend that is down must not take the scheduler with it
        logger.exception("could not enqueue job run %s", run.pk)
        JobRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
        )
        return None
    JobRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
    run.task_result_id = str(result.id)
    return result


# --- the worker's side -------------------------------------------------------------------------


def _call_kwargs(func, run: JobRun) -> dict[str, Any]:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return {}
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    offered = {"slot": run.slot, "run_id": run.pk}
    return {k: v for k, v in offered.items() if takes_all or k in params}


def _rows_and_result(value: Any) -> tuple[int | None, dict]:
    if isinstance(value, bool) or value is None:
        return None, {}
    if isinstance(value, int):
        return value, {}
    if isinstance(value, dict):
        rows = value.get("rows")
        return (rows if isinstance(rows, int) and not isinstance(rows, bool) else None), value
    return None, {"value": str(value)[:1000]}


def job_run_execute(*, run_id: int) -> dict[str, Any]:
    """Run one recorded run (the body of the task). A run already running or succeeded is
    left alone, so a task delivered twice does the work once."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.FAILED]).update(
        status=RunStatus.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1, error=""
    )
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None:
        return {"run_id": run_id, "skipped": "missing"}
    if not claimed:
        return {"run_id": run_id, "skipped": run.status}
    job = find_job(run.job)
    if job is None:
        JobRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"No job is registered as {run.job!r}."
        )
        return {"run_id": run_id, "skipped": "unknown job"}
    token = request_id_var.set(f"job-run-{run_id}")
    try:
        value = job.func(**_call_kwargs(job.func, run))
    except Exception:
        JobRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=traceback.format_exc()[-20000:]
        )
        raise
    finally:
        request_id_var.reset(token)
    rows, result = _rows_and_result(value)
    JobRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(), rows=rows, result=result
    )
    return {"run_id": run_id, "rows": rows}


# --- the reaper ------------------------------------------------------------------------------


def task_results_reap(*, now: dt.datetime | None = None, stale_after: dt.timedelta | None = None) -> dict[str, int]:
    """Task results (django-tasks-db) left RUNNING longer than ``stale_after`` by a worker
    that was killed: back to READY so a worker runs them again, or FAILED once they have
    been tried ``ZHIDU_TASK_MAX_ATTEMPTS`` times. A task whose progress row (keyed by its
    result id) moved recently is alive and left alone. Conditional UPDATEs: a worker that
    finishes at the same moment wins."""
    counts = {"reset": 0, "failed": 0}
    if not apps.is_installed("django_tasks_db"):
        return counts
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - (stale_after or stale_after_default())
    stale = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).values(
            "id", "started_at", "worker_ids", "task_path"
        )[:1000]
    )
    if not stale:
        return counts
    alive = set(
        TaskProgress.objects.filter(
            key__in=[str(r["id"]) for r in stale], status=ProgressStatus.RUNNING, updated_at__gte=cutoff
        ).values_list("key", flat=True)
    )
    for r in stale:
        if str(r["id"]) in alive:
            continue
        same = DBTaskResult.objects.filter(pk=r["id"], status=TaskResultStatus.RUNNING, started_at=r["started_at"])
        attempts = len(r["worker_ids"] or [])
        if attempts < max_task_attempts():
            counts["reset"] += same.update(status=TaskResultStatus.READY)
            logger.warning("reaper: task %s (%s) reset after a stopped worker", r["id"], r["task_path"])
        else:
            counts["failed"] += same.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{TaskAbandoned.__module__}.{TaskAbandoned.__qualname__}",
                traceback=(
                    f"{TaskAbandoned.__qualname__}: the worker stopped while running this task "
                    f"({attempts} attempts, running since {r['started_at']:%Y-%m-%d %H:%M:%S%z})."
                ),
            )
            logger.warning("reaper: task %s (%s) failed after %s attempts", r["id"], r["task_path"], attempts)
    return counts


def job_runs_reap(*, now: dt.datetime | None = None, stale_after: dt.timedelta | None = None) -> int:
    """Job runs whose worker stopped: RUNNING too long, or QUEUED while their task has
    failed or never reached the backend. A run whose task was reset goes back to QUEUED."""
    now = now or timezone.now()
    cutoff = now - (stale_after or stale_after_default())
    running = list(JobRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff)[:1000])
    queued = list(JobRun.objects.filter(status=RunStatus.QUEUED, enqueued_at__lt=cutoff)[:1000])
    task_status: dict[str, str] = {}
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        ids = [r.task_result_id for r in running + queued if r.task_result_id]
        task_status = {str(pk): s for pk, s in DBTaskResult.objects.filter(pk__in=ids).values_list("id", "status")}
    changed = 0
    for run in running:
        status = task_status.get(run.task_result_id)
        same = JobRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, started_at=run.started_at)
        if status == TaskResultStatus.RUNNING:
            continue  # its task is alive (the task reaper decides when it is not)
        if status == TaskResultStatus.READY:
            changed += same.update(status=RunStatus.QUEUED, error=_("The worker stopped; the run will be retried."))
        else:
            changed += same.update(
                status=RunStatus.FAILED, finished_at=now, error=_("The worker stopped while running this job.")
            )
    for run in queued:
        status = task_status.get(run.task_result_id)
        if status in (TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.SUCCESSFUL):
            continue
        if not task_status and run.task_result_id:
            continue  # another backend (RQ) keeps the result; nothing to judge by
        changed += JobRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, finished_at=now, error=_("The task of this run failed or was lost.")
        )
    return changed


def jobs_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Old bookkeeping: finished task results after 30 days, finished progress rows after
    30 days, job runs after 180 days."""
    now = now or timezone.now()
    counts = {"task_results": 0, "progress": 0, "job_runs": 0}
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        counts["task_results"] = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
            finished_at__lt=now - dt.timedelta(days=30),
        ).delete()[0]
    counts["progress"] = (
        TaskProgress.objects.exclude(status=ProgressStatus.RUNNING)
        .filter(updated_at__lt=now - dt.timedelta(days=30))
        .delete()[0]
    )
    counts["job_runs"] = JobRun.objects.filter(slot__lt=now - dt.timedelta(days=180)).delete()[0]
    return counts
