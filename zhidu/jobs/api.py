"""``/api/v1/jobs/``: periodic jobs and their runs (staff), task results (staff), and the
progress of a long task (the person who started it, or staff)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from zhidu.core.filters import apply_filters, filter_schema, query_to_data
from zhidu.core.pagination import paginate

from . import selectors, services
from .filtersets import JobRunFilterSet, TaskResultFilterSet
from .schemas import JobOut, ProgressOut, RunOut, RunPage, TaskResultPage

router = Router()

RunQuery: Any = filter_schema(JobRunFilterSet, "JobRunQuery")
TaskResultQuery: Any = filter_schema(TaskResultFilterSet, "TaskResultQuery")


def _job_out(o: selectors.JobOverview) -> dict:
    return {
        "key": o.key,
        "label": str(o.label),
        "schedule": o.schedule.describe(),
        "schedule_source": o.schedule.source,
        "enabled": o.schedule.enabled,
        "warning": o.schedule.warning,
        "next_run": o.next_run,
        "failures_7d": o.failures_7d,
        "last_runs": o.last_runs,
    }


def _page(page, items) -> dict:
    return {
        "items": items,
        "page": page.number,
        "page_size": page.per_page,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


@router.get("/", response=list[JobOut], summary="Periodic jobs with schedule, next run and last runs")
def job_list(request: HttpRequest):
    return [_job_out(o) for o in selectors.job_overview_list(user=request.user)]


@router.get("/runs", response=RunPage, summary="Job runs, newest first")
def job_run_list(request: HttpRequest, query: Query[RunQuery]):  # type: ignore[valid-type]
    qs = apply_filters(JobRunFilterSet, query_to_data(query), selectors.job_run_list(user=request.user))
    page = paginate(qs, query.page, query.page_size)
    return _page(page, page.items)


@router.get("/tasks", response=TaskResultPage, summary="Task results of the database backend, newest first")
def task_result_list(request: HttpRequest, query: Query[TaskResultQuery]):  # type: ignore[valid-type]
    base = selectors.task_result_list(user=request.user)
    if base is None:
        return {
            "items": [],
            "page": 1,
            "page_size": query.page_size,
            "has_next": False,
            "total": 0,
            "total_capped": False,
        }
    qs = apply_filters(TaskResultFilterSet, query_to_data(query), base)
    page = paginate(qs, query.page, query.page_size)
    items = [
        {
            "id": str(t.id),
            "task_path": t.task_path,
            "queue_name": t.queue_name,
            "status": t.status,
            "enqueued_at": t.enqueued_at,
            "started_at": t.started_at,
            "finished_at": t.finished_at,
            "attempts": len(t.worker_ids or []),
            "exception_class_path": t.exception_class_path,
            "traceback": t.traceback,
        }
        for t in page.items
    ]
    return _page(page, items)


@router.get("/progress/{int:progress_id}", response=ProgressOut, summary="Progress of a long task")
def progress_detail(request: HttpRequest, progress_id: int):
    return selectors.progress_get(user=request.user, pk=progress_id)


@router.get("/{key}", response=JobOut, summary="One periodic job")
def job_detail(request: HttpRequest, key: str):
    selectors.require_staff(request.user)
    job = services.job_get(key)
    return _job_out(selectors.job_overview_list(user=request.user, keys=[job.key])[0])


@router.post("/{key}/run", response={201: RunOut}, summary="Run a job now (a manual slot)")
def job_run_now(request: HttpRequest, key: str):
    return 201, services.job_run_request(actor=request.user, key=key)
