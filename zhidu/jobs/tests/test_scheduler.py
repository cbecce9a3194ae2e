import datetime as dt
import io
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, NotFound, PermissionDenied
from zhidu.jobs.choices import RunStatus, RunTrigger
from zhidu.jobs.models import JobRun
from zhidu.jobs.registry import periodic_job
from zhidu.jobs.services import job_run_execute, job_run_request, job_runs_schedule

from . import jobfuncs
from .conftest import drain_db_tasks

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 5, 1, 10, 7, 30, tzinfo=SH)


@pytest.fixture(autouse=True)
def _reset_calls():
    jobfuncs.CALLS.clear()


@pytest.fixture
def two_jobs(job_registry, no_policy_store):
    periodic_job("t.count", label="Count", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    periodic_job("t.dict", label="Dict", cron="0 2 * * *")(jobfuncs.dict_job)
    return job_registry


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_scheduler_once_records_and_enqueues_each_due_job(db, two_jobs, frozen_now, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("scheduler", "--once", stdout=out)
    runs = {r.job: r for r in JobRun.objects.all()}
    assert set(runs) == {"t.count", "t.dict"}
    assert runs["t.count"].slot == dt.datetime(2026, 5, 1, 10, 5, tzinfo=SH)
    assert runs["t.dict"].slot == dt.datetime(2026, 5, 1, 2, 0, tzinfo=SH)
    assert runs["t.count"].schedule == "every 5m"
    assert runs["t.dict"].schedule == "cron 0 2 * * *"
    assert all(r.status == RunStatus.QUEUED and r.trigger == RunTrigger.SCHEDULE for r in runs.values())
    results = {str(t.id): t for t in DBTaskResult.objects.all()}
    assert set(results) == {r.task_result_id for r in runs.values()}
    assert {t.task_path for t in results.values()} == {"zhidu.jobs.tasks.job_run_execute_task"}
    assert sorted(t.args_kwargs["args"][0] for t in results.values()) == sorted(r.pk for r in runs.values())
    assert "t.count queued" in out.getvalue()

    assert drain_db_tasks() == 2
    count = JobRun.objects.get(job="t.count")
    assert (count.status, count.rows, count.attempts) == (RunStatus.SUCCEEDED, 7, 1)
    assert count.started_at is not None and count.finished_at is not None
    d = JobRun.objects.get(job="t.dict")
    assert (d.status, d.rows, d.result) == (RunStatus.SUCCEEDED, 3, {"rows": 3, "file": "/media/x.csv"})
    assert {"job": "count", "slot": dt.datetime(2026, 5, 1, 10, 5, tzinfo=SH)} in jobfuncs.CALLS
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_two_passes_in_the_same_slot_run_each_job_once(db, two_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = job_runs_schedule(now=NOW)
        second = job_runs_schedule(now=NOW)
        third = job_runs_schedule(now=NOW + dt.timedelta(minutes=2))  # still the 10:05 slot
    assert len(first) == 2 and second == [] and third == []
    assert JobRun.objects.count() == 2
    assert DBTaskResult.objects.count() == 2
    drain_db_tasks()
    assert len(jobfuncs.CALLS) == 2


def test_the_next_slot_gets_a_new_run(db, two_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_runs_schedule(now=NOW)
        later = job_runs_schedule(now=NOW + dt.timedelta(minutes=3))  # 10:10 slot for t.count
    assert [r.job for r in later] == ["t.count"]
    assert list(JobRun.objects.filter(job="t.count").values_list("slot", flat=True).order_by("slot")) == [
        dt.datetime(2026, 5, 1, 10, 5, tzinfo=SH),
        dt.datetime(2026, 5, 1, 10, 10, tzinfo=SH),
    ]


def test_an_existing_row_for_the_slot_wins_over_a_late_scheduler(
    db, two_jobs, monkeypatch, django_capture_on_commit_callbacks
):
    """The race seen from the loser's side: its existence check saw nothing, but the row
    is there when it inserts; the unique constraint refuses and it skips the job."""
    from django.db.models import QuerySet

    JobRun.objects.create(job="t.count", slot=dt.datetime(2026, 5, 1, 10, 5, tzinfo=SH))
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    with django_capture_on_commit_callbacks(execute=True):
        created = job_runs_schedule(now=NOW)
    monkeypatch.undo()
    assert [r.job for r in created] == ["t.dict"]
    assert JobRun.objects.filter(job="t.count").count() == 1
    assert DBTaskResult.objects.count() == 1


def test_policy_can_change_the_slot_and_turn_a_job_off(db, two_jobs, policy_store, django_capture_on_commit_callbacks):
    policy_store(
        lambda kind, unit=None, on=None: {"jobs": {"t.count": {"cron": "0 9 * * *"}, "t.dict": {"enabled": False}}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        runs = job_runs_schedule(now=NOW)
    assert [(r.job, r.slot, r.schedule) for r in runs] == [
        ("t.count", dt.datetime(2026, 5, 1, 9, 0, tzinfo=SH), "cron 0 9 * * * (policy)")
    ]


def test_a_bad_cron_in_the_policy_keeps_the_code_schedule(
    db, two_jobs, policy_store, django_capture_on_commit_callbacks
):
    policy_store(lambda kind, unit=None, on=None: {"jobs": {"t.count": {"cron": "0 99 * * *"}}})
    with django_capture_on_commit_callbacks(execute=True):
        runs = job_runs_schedule(now=NOW)
    assert sorted((r.job, r.schedule) for r in runs) == [("t.count", "every 5m"), ("t.dict", "cron 0 2 * * *")]


def test_real_policy_store_overrides_schedule_when_available(db, job_registry, org, django_capture_on_commit_callbacks):
    from zhidu.jobs.tests.policy_helpers import publish_schedule_policy

    periodic_job("t.count", label="Count", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    version = publish_schedule_policy(org.admin, {"jobs": {"t.count": {"every": "1h"}}})
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        runs = job_runs_schedule(now=now)
    hour = now.astimezone(SH).replace(minute=0, second=0, microsecond=0)
    assert len(runs) == 1
    assert runs[0].slot == hour
    assert runs[0].schedule.startswith("every 1h (") and runs[0].schedule != "every 1h (policy)"
    assert version is not None


def test_a_failing_job_is_recorded_with_its_error(
    db, job_registry, no_policy_store, django_capture_on_commit_callbacks
):
    periodic_job("t.fail", label="Fail", every=dt.timedelta(minutes=5))(jobfuncs.failing_job)
    with django_capture_on_commit_callbacks(execute=True):
        job_runs_schedule(now=NOW)
    drain_db_tasks()
    run = JobRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert run.error_summary == "RuntimeError: the pool table is locked"
    assert "Traceback" in run.error and run.finished_at is not None
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED" and task.exception_class_path == "builtins.RuntimeError"


def test_executing_a_finished_run_again_does_nothing(db, two_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_runs_schedule(now=NOW)
    drain_db_tasks()
    run = JobRun.objects.get(job="t.count")
    assert job_run_execute(run_id=run.pk) == {"run_id": run.pk, "skipped": RunStatus.SUCCEEDED}
    assert len(jobfuncs.CALLS) == 2
    run.refresh_from_db()
    assert run.attempts == 1
    assert job_run_execute(run_id=999999) == {"run_id": 999999, "skipped": "missing"}


def test_a_run_of_a_removed_job_fails_clearly(db, job_registry):
    run = JobRun.objects.create(job="gone.job", slot=NOW)
    job_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "gone.job" in run.error


def test_a_backend_that_refuses_the_task_fails_the_run(db, two_jobs, monkeypatch, django_capture_on_commit_callbacks):
    from zhidu.jobs import tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(type(tasks.job_run_execute_task), "enqueue", lambda self, *a, **k: down())
    with django_capture_on_commit_callbacks(execute=True):
        job_runs_schedule(now=NOW)
    assert set(JobRun.objects.values_list("status", "error")) == {(RunStatus.FAILED, "ConnectionError: redis is down")}


# --- run now ---------------------------------------------------------------------------------


def test_run_now_records_a_manual_slot_and_audits(db, org, two_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = job_run_request(actor=org.admin, key="t.count", now=NOW)
    assert (run.trigger, run.slot, run.requested_by_id) == (RunTrigger.MANUAL, NOW.replace(microsecond=0), org.admin.pk)
    assert DBTaskResult.objects.count() == 1
    assert AuditEvent.objects.filter(action="jobs.run_now", object_id=str(run.pk)).count() == 1
    with pytest.raises(Conflict):
        job_run_request(actor=org.admin, key="t.count", now=NOW + dt.timedelta(seconds=5))
    drain_db_tasks()
    assert JobRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
    again = job_run_request(actor=org.admin, key="t.count", now=NOW + dt.timedelta(seconds=10))
    assert again.pk != run.pk


def test_run_now_refusals_change_nothing(db, org, two_jobs):
    with pytest.raises(PermissionDenied):
        job_run_request(actor=org.gm, key="t.count")
    with pytest.raises(NotFound):
        job_run_request(actor=org.admin, key="no.such.job")
    assert JobRun.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert not AuditEvent.objects.filter(action="jobs.run_now").exists()


# --- the worker command, end to end ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_command_runs_queued_job_runs(two_jobs):
    job_runs_schedule(now=NOW)  # autocommit: enqueued at once
    from zhidu.jobs.management.commands.worker import Command as JobsWorker

    call_command(JobsWorker(), "--batch", verbosity=0)
    assert set(JobRun.objects.values_list("job", "status")) == {
        ("t.count", RunStatus.SUCCEEDED),
        ("t.dict", RunStatus.SUCCEEDED),
    }


# --- two schedulers at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_run_each_job_once(two_jobs):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    rounds = 5
    errors: list[BaseException] = []
    created: list[int] = []
    lock = threading.Lock()

    def scheduler(barrier, now):
        try:
            barrier.wait(timeout=10)
            runs = job_runs_schedule(now=now)
            with lock:
                created.extend(r.pk for r in runs)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    for i in range(rounds):
        now = NOW + dt.timedelta(days=i)
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=scheduler, args=(barrier, now)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert errors == []
    assert JobRun.objects.count() == 2 * rounds  # two jobs, one run per slot
    assert len(created) == 2 * rounds
    assert DBTaskResult.objects.count() == 2 * rounds
    for job in ("t.count", "t.dict"):
        slots = list(JobRun.objects.filter(job=job).values_list("slot", flat=True))
        assert len(slots) == len(set(slots)) == rounds
