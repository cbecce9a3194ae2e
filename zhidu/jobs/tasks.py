"""The one task every periodic job runs through (see :mod:`zhidu.jobs.registry`)."""

from __future__ import annotations

from django.tasks import task


@task()
def job_run_execute_task(run_id: int):
    from .services import job_run_execute

    return job_run_execute(run_id=run_id)
