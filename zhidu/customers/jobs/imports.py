"""Background tasks of imports and exports (``django.tasks``). Each calls one service and
holds no rules; they are enqueued with ``transaction.on_commit`` and are idempotent (a
task that runs twice finds its job finished and does nothing)."""

from __future__ import annotations

from django.tasks import task


@task()
def import_run_task(job_id: int, request_id: str = ""):
    from ..services.imports import import_run

    job = import_run(job_id=job_id, request_id=request_id)
    return {"status": job.status, "created": job.created_rows, "rejected": job.rejected_rows} if job else None


@task()
def export_build_task(log_id: int):
    from ..services.exports import export_build

    log = export_build(log_id=log_id)
    return {"status": log.status, "rows": log.row_count} if log else None
