"""One smoke test of the RQ backend (DESIGN: scale path) against the local Redis: a job
run goes through django-tasks-rq to Redis, a burst worker runs it, and the result comes
back through ``django.tasks``. Redis db 13, and only the keys this test created are removed."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus, task_backends

from zhidu.jobs.choices import RunStatus
from zhidu.jobs.models import JobRun
from zhidu.jobs.registry import periodic_job
from zhidu.jobs.services import job_runs_schedule

from . import jobfuncs

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_conn():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        conn.ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    before = set(conn.scan_iter("*"))
    yield conn
    created = set(conn.scan_iter("*")) - before
    if created:
        conn.delete(*created)
    conn.close()


@pytest.mark.redis
def test_job_run_through_rq_and_a_burst_worker(
    db, redis_conn, settings, job_registry, no_policy_store, django_capture_on_commit_callbacks
):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    backend = task_backends["default"]
    assert type(backend).__name__ == "RQBackend"

    jobfuncs.CALLS.clear()
    periodic_job("t.count", label="Count", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = job_runs_schedule()
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.task_result_id
    assert backend.get_result(run.task_result_id).status == TaskResultStatus.READY

    queue = django_rq.get_queue("default", job_class=Job)
    assert queue.count == 1
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True) is True

    run.refresh_from_db()
    assert (run.status, run.rows, run.attempts) == (RunStatus.SUCCEEDED, 7, 1)
    result = backend.get_result(run.task_result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"run_id": run.pk, "rows": 7}
    assert len(jobfuncs.CALLS) == 1
    assert queue.count == 0
    JobRun.objects.all().delete()
