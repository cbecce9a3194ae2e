import datetime as dt

import pytest
from django.utils import timezone

from zhidu.jobs.choices import RunStatus
from zhidu.jobs.models import JobRun
from zhidu.jobs.progress import progress_start, progress_update
from zhidu.jobs.registry import periodic_job

from . import jobfuncs

API = "/api/v1/jobs"


@pytest.fixture
def jobs(job_registry, no_policy_store):
    periodic_job("t.count", label="Count rows", every=dt.timedelta(minutes=5))(jobfuncs.count_job)
    return job_registry


def test_job_list_for_staff(client, org, jobs):
    JobRun.objects.create(job="t.count", slot=timezone.now(), status=RunStatus.SUCCEEDED, rows=4)
    client.force_login(org.admin)
    r = client.get(f"{API}/")
    assert r.status_code == 200
    (job,) = r.json()
    assert (job["key"], job["schedule"], job["schedule_source"], job["enabled"]) == (
        "t.count",
        "every 5m",
        "code",
        True,
    )
    assert job["last_runs"][0]["rows"] == 4 and job["next_run"]


@pytest.mark.parametrize(
    "method,path",
    [("get", "/"), ("get", "/runs"), ("get", "/tasks"), ("get", "/t.count"), ("post", "/t.count/run")],
)
def test_non_staff_get_403_and_nothing_changes(client, org, jobs, method, path):
    client.force_login(org.director)
    r = getattr(client, method)(f"{API}{path}")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert JobRun.objects.count() == 0


def test_anonymous_gets_401(client, db, jobs):
    assert client.get(f"{API}/").status_code == 401


def test_run_now_and_unknown_job(client, org, jobs, django_capture_on_commit_callbacks):
    client.force_login(org.admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"{API}/t.count/run")
    assert r.status_code == 201
    body = r.json()
    assert (body["job"], body["trigger"], body["status"]) == ("t.count", "manual", "queued")
    assert client.post(f"{API}/t.count/run").json()["code"] == "already_running"
    r = client.post(f"{API}/no.such.job/run")
    assert r.status_code == 404 and r.json()["code"] == "unknown_job"
    assert client.get(f"{API}/no.such.job").status_code == 404
    assert JobRun.objects.count() == 1


def test_runs_are_filtered_and_paginated(client, org, jobs):
    now = timezone.now()
    for i in range(7):
        JobRun.objects.create(
            job="t.count", slot=now - dt.timedelta(minutes=i), status=RunStatus.FAILED if i < 3 else "succeeded"
        )
    client.force_login(org.admin)
    r = client.get(f"{API}/runs", {"status": "failed", "page_size": 2})
    body = r.json()
    assert [x["status"] for x in body["items"]] == ["failed", "failed"]
    assert (body["has_next"], body["total"]) == (True, 3)
    r = client.get(f"{API}/runs", {"status": "exploded"})
    assert r.status_code == 422 and "status" in r.json()["fields"]
    assert client.get(f"{API}/runs", {"page_size": 500}).status_code == 422


def test_progress_endpoint(client, org):
    p = progress_start("imp:9", label="Import", total=200, owner=org.rep_a1)
    progress_update(p, advance=50, message="going")
    client.force_login(org.rep_a1)
    r = client.get(f"{API}/progress/{p.pk}")
    assert r.status_code == 200
    body = r.json()
    assert (body["done"], body["total"], body["percent"], body["status"], body["is_finished"]) == (
        50,
        200,
        25,
        "running",
        False,
    )
    client.force_login(org.rep_b1)
    assert client.get(f"{API}/progress/{p.pk}").status_code == 404
    assert client.get(f"{API}/progress/abc").status_code == 404
