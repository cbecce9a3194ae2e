import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from zhidu.jobs.choices import ProgressStatus, RunStatus
from zhidu.jobs.models import JobRun
from zhidu.jobs.progress import progress_finish, progress_start, progress_update
from zhidu.jobs.registry import periodic_job

from . import jobfuncs

NON_STAFF = ["gm", "director", "finance", "rm_east", "tm_a", "rep_a1", "asst_a"]


@pytest.fixture
def jobs(job_registry, no_policy_store):
    periodic_job("t.count", label="Count rows", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    periodic_job("t.fail", label="Always fails", cron="0 2 * * *")(jobfuncs.failing_job)
    return job_registry


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", NON_STAFF)
def test_jobs_pages_are_for_staff_only(client, org, jobs, persona):
    _login(client, getattr(org, persona))
    for url in (reverse("jobs:list"), reverse("jobs:task_results"), reverse("jobs:detail", args=["t.count"])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("jobs:run_now", args=["t.count"])).status_code == 403
    assert JobRun.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(client, db, jobs):
    r = client.get(reverse("jobs:list"))
    assert r.status_code == 302 and reverse("org:login") in r["Location"]


def test_staff_sees_schedule_next_run_last_runs_and_failures(client, org, jobs, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(8):
        JobRun.objects.create(
            job="t.count", slot=now - dt.timedelta(minutes=5 * (i + 1)), status=RunStatus.SUCCEEDED, rows=i
        )
    JobRun.objects.create(
        job="t.fail",
        slot=now - dt.timedelta(hours=3),
        status=RunStatus.FAILED,
        finished_at=now,
        error="Traceback (most recent call last):\nRuntimeError: the pool table is locked",
    )
    _login(client, org.admin)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("jobs:list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Count rows" in html and "every 5m" in html and "cron 0 2 * * *" in html
    assert "RuntimeError: the pool table is locked" in html
    # five recent runs shown per job, not eight
    row = html[html.index("Count rows") : html.index("Always fails")]
    assert len(re.findall(r"badge bg-green-lt", row)) == 5


def test_run_now_button_queues_a_manual_run(client, org, jobs, django_capture_on_commit_callbacks):
    _login(client, org.admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("jobs:run_now", args=["t.count"]), {"next": reverse("jobs:list")})
    assert r.status_code == 302 and r["Location"] == reverse("jobs:list")
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.requested_by_id, run.status) == ("t.count", "manual", org.admin.pk, "queued")
    assert run.task_result_id
    # a second click while it is queued is refused, and says so
    r = client.post(reverse("jobs:run_now", args=["t.count"]), follow=True)
    assert JobRun.objects.count() == 1
    assert "already queued or running" in r.content.decode() or "已" in r.content.decode()


def test_run_now_rejects_get_unknown_jobs_and_foreign_redirects(client, org, jobs):
    _login(client, org.admin)
    assert client.get(reverse("jobs:run_now", args=["t.count"])).status_code == 405
    assert client.post(reverse("jobs:run_now", args=["no.such.job"])).status_code == 404
    assert client.get(reverse("jobs:detail", args=["no.such.job"])).status_code == 404
    r = client.post(reverse("jobs:run_now", args=["t.count"]), {"next": "https://evil.example/"})
    assert r["Location"] == reverse("jobs:detail", args=["t.count"])


def test_job_detail_lists_runs_with_filter(client, org, jobs, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(30):
        JobRun.objects.create(
            job="t.count",
            slot=now - dt.timedelta(minutes=5 * i),
            status=RunStatus.FAILED if i % 3 == 0 else RunStatus.SUCCEEDED,
            error="RuntimeError: x" if i % 3 == 0 else "",
        )
    _login(client, org.admin)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("jobs:detail", args=["t.count"]))
    assert r.status_code == 200
    assert r.content.decode().count("<tr>") == 26  # header + 25 rows
    r = client.get(reverse("jobs:detail", args=["t.count"]), {"status": "failed"})
    assert r.content.decode().count("RuntimeError: x") >= 10


def test_task_results_page_lists_failed(client, org, jobs, django_capture_on_commit_callbacks):
    from zhidu.jobs.services import job_runs_schedule

    from .conftest import drain_db_tasks

    with django_capture_on_commit_callbacks(execute=True):
        job_runs_schedule()
    drain_db_tasks()
    _login(client, org.admin)
    r = client.get(reverse("jobs:task_results"), {"status": "FAILED"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "builtins.RuntimeError" in html and html.count("zhidu.jobs.tasks.job_run_execute_task") == 1
    assert client.get(reverse("jobs:task_results"), {"status": "NOPE"}).status_code == 200


# --- progress partial -------------------------------------------------------------------------


def test_progress_partial_polls_while_running_and_stops_when_done(client, org):
    p = progress_start("imp:1", label="Import customers", total=10000, owner=org.rep_a1)
    progress_update(p, done=5000, message="halfway")
    _login(client, org.rep_a1)
    url = reverse("jobs:progress", args=[p.pk])
    r = client.get(url, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 1s"' in html and f'hx-get="{url}"' in html
    assert 'value="5000" max="10000"' in html and "50%" in html and "halfway" in html
    assert "style=" not in html
    progress_finish(p, message="Done", result={"links": [{"label": "Rejected rows", "url": "/media/r.csv"}]})
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html and "/media/r.csv" in html and "Rejected rows" in html
    full = client.get(url)
    assert full.status_code == 200 and "Import customers" in full.content.decode()


def test_progress_is_visible_to_its_owner_and_staff_only(client, org):
    p = progress_start("imp:2", label="Import", owner=org.rep_a1)
    url = reverse("jobs:progress", args=[p.pk])
    assert _login(client, org.rep_a2).get(url).status_code == 404
    assert _login(client, org.tm_a).get(url).status_code == 404
    assert _login(client, org.admin).get(url).status_code == 200
    assert _login(client, org.rep_a1).get(url).status_code == 200
    assert client.get(reverse("jobs:progress", args=[99999])).status_code == 404


def test_indeterminate_progress_without_total(client, org):
    p = progress_start("scan:1", label="Scan", owner=org.rep_a1)
    _login(client, org.rep_a1)
    html = client.get(reverse("jobs:progress", args=[p.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "progress-bar-indeterminate" in html
    progress_finish(p, status=ProgressStatus.FAILED, error="ValueError: bad file")
    html = client.get(reverse("jobs:progress", args=[p.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "ValueError: bad file" in html and "hx-trigger" not in html
