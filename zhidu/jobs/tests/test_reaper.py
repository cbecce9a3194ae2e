import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from zhidu.jobs.choices import ProgressStatus, RunStatus
from zhidu.jobs.models import JobRun, TaskProgress
from zhidu.jobs.registry import periodic_job
from zhidu.jobs.services import job_runs_reap, job_runs_schedule, task_results_reap

from . import jobfuncs
from .conftest import drain_db_tasks

STALE = dt.timedelta(minutes=30)


def _result(*, started_ago: dt.timedelta, workers: int, status=TaskResultStatus.RUNNING) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        args_kwargs={"args": [0], "kwargs": {}},
        task_path="zhidu.jobs.tasks.job_run_execute_task",
        backend_name="default",
        status=status,
        started_at=now - started_ago,
        worker_ids=[f"w{i}" for i in range(workers)],
    )


def test_stale_running_task_is_reset_to_ready_and_runs_again(db):
    stale = _result(started_ago=dt.timedelta(hours=2), workers=1)
    fresh = _result(started_ago=dt.timedelta(minutes=5), workers=1)
    assert task_results_reap(stale_after=STALE) == {"reset": 1, "failed": 0}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == TaskResultStatus.READY
    assert fresh.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()


def test_task_that_used_its_attempts_is_failed_and_reported(db, settings):
    settings.ZHIDU_TASK_MAX_ATTEMPTS = 3
    r = _result(started_ago=dt.timedelta(hours=2), workers=3)
    assert task_results_reap(stale_after=STALE) == {"reset": 0, "failed": 1}
    r.refresh_from_db()
    assert r.status == TaskResultStatus.FAILED
    assert r.exception_class_path == "zhidu.jobs.services.TaskAbandoned"
    assert "3 attempts" in r.traceback and r.finished_at is not None
    assert r.task_result.errors[0].exception_class_path == "zhidu.jobs.services.TaskAbandoned"


def test_a_task_whose_progress_moves_is_alive(db):
    r = _result(started_ago=dt.timedelta(hours=5), workers=1)
    TaskProgress.objects.create(key=str(r.id), label="Import", total=10, done=4)
    assert task_results_reap(stale_after=STALE) == {"reset": 0, "failed": 0}
    TaskProgress.objects.filter(key=str(r.id)).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert task_results_reap(stale_after=STALE) == {"reset": 1, "failed": 0}


def test_finished_and_ready_tasks_are_left_alone(db):
    ok = _result(started_ago=dt.timedelta(hours=2), workers=1, status=TaskResultStatus.SUCCESSFUL)
    ready = _result(started_ago=dt.timedelta(hours=2), workers=1, status=TaskResultStatus.READY)
    assert task_results_reap(stale_after=STALE) == {"reset": 0, "failed": 0}
    assert {DBTaskResult.objects.get(pk=ok.pk).status, DBTaskResult.objects.get(pk=ready.pk).status} == {
        TaskResultStatus.SUCCESSFUL,
        TaskResultStatus.READY,
    }


def test_killed_worker_end_to_end(db, job_registry, no_policy_store, django_capture_on_commit_callbacks):
    """A worker claims a job run's task and dies; the reaper puts both back; the next
    worker runs the job once, to success."""
    jobfuncs.CALLS.clear()
    periodic_job("t.count", label="Count", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = job_runs_schedule()
    task = DBTaskResult.objects.get()
    task.claim("dead-worker")
    long_ago = timezone.now() - dt.timedelta(hours=2)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=long_ago)
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=long_ago, attempts=1)

    assert task_results_reap(stale_after=STALE) == {"reset": 1, "failed": 0}
    assert job_runs_reap(stale_after=STALE) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.error  # "the worker stopped; will be retried"

    assert drain_db_tasks("second-worker") == 1
    run.refresh_from_db()
    assert (run.status, run.attempts, run.rows, run.error) == (RunStatus.SUCCEEDED, 2, 7, "")
    task.refresh_from_db()
    assert task.worker_ids == ["dead-worker", "second-worker"]
    assert len(jobfuncs.CALLS) == 1


def test_stale_job_runs_without_a_live_task_fail(db):
    long_ago = timezone.now() - dt.timedelta(hours=2)
    failed_task = _result(started_ago=dt.timedelta(hours=2), workers=1, status=TaskResultStatus.FAILED)
    running_task = _result(started_ago=dt.timedelta(minutes=1), workers=1)
    lost = JobRun.objects.create(job="a", slot=long_ago, status=RunStatus.RUNNING, started_at=long_ago)
    queued_dead = JobRun.objects.create(job="b", slot=long_ago, task_result_id=str(failed_task.id))
    JobRun.objects.filter(pk=queued_dead.pk).update(enqueued_at=long_ago)
    alive = JobRun.objects.create(
        job="c", slot=long_ago, status=RunStatus.RUNNING, started_at=long_ago, task_result_id=str(running_task.id)
    )
    recent = JobRun.objects.create(job="d", slot=long_ago, status=RunStatus.RUNNING, started_at=timezone.now())
    assert job_runs_reap(stale_after=STALE) == 2
    statuses = dict(JobRun.objects.values_list("job", "status"))
    assert statuses == {"a": RunStatus.FAILED, "b": RunStatus.FAILED, "c": RunStatus.RUNNING, "d": RunStatus.RUNNING}
    assert alive.pk and recent.pk and lost.pk


def test_reaper_is_a_registered_job():
    from zhidu.jobs.registry import find_job

    job = find_job("jobs.reap")
    assert job is not None and job.every == dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_reaper_job_reports_rows(monkeypatch):
    from zhidu.jobs import jobs

    _result(started_ago=dt.timedelta(days=1), workers=1)
    out = jobs.reap()
    assert out["reset"] == 1 and out["rows"] == 1


def test_progress_rows_of_finished_tasks_survive_the_reaper(db):
    p = TaskProgress.objects.create(key="x", status=ProgressStatus.SUCCEEDED)
    task_results_reap(stale_after=STALE)
    assert TaskProgress.objects.filter(pk=p.pk).exists()


def test_access_log_purge_is_a_daily_job(db):
    import datetime as dt

    from django.utils import timezone

    from zhidu.audit.models import AccessLog
    from zhidu.audit.services import retention_days
    from zhidu.jobs.registry import find_job

    job = find_job("audit.access_log_purge")
    assert job is not None and job.cron == "20 3 * * *"
    old = AccessLog.objects.create(event="login", username="x")
    young = AccessLog.objects.create(event="login", username="y")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=retention_days() + 2))
    assert job.func() == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [young.pk]
