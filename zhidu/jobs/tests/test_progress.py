import io

import pytest
from django.core.management.base import OutputWrapper
from django.db import transaction

from zhidu.jobs.choices import ProgressStatus
from zhidu.jobs.models import TaskProgress
from zhidu.jobs.progress import CliProgress, format_progress_line, progress_finish, progress_start, progress_update


def test_start_update_finish(db, org):
    p = progress_start("customers.import:1", label="Import customers", total=10000, owner=org.rep_a1)
    assert (p.status, p.done, p.total, p.percent, p.owner_id) == ("running", 0, 10000, 0, org.rep_a1.pk)
    progress_update(p, advance=2500, message="2500 rows")
    progress_update(p, advance=2500)
    row = TaskProgress.objects.get(pk=p.pk)
    assert (row.done, row.message, row.percent) == (5000, "2500 rows", 50)
    assert p.done == 5000
    progress_update(p, done=7000, total=12000, message="recounted")
    row.refresh_from_db()
    assert (row.done, row.total, row.message) == (7000, 12000, "recounted")
    done = progress_finish(
        p, message="Done", result={"links": [{"label": "Rejected rows", "url": "/media/rejected.csv"}]}
    )
    assert (done.status, done.done, done.percent, done.is_finished) == ("succeeded", 12000, 100, True)
    assert done.finished_at is not None
    assert done.links == [{"label": "Rejected rows", "url": "/media/rejected.csv"}]


def test_start_again_resumes_from_the_row(db):
    p = progress_start("export:7", label="Export", total=100)
    progress_update(p, advance=40)
    progress_finish(p, status=ProgressStatus.FAILED, error="killed")
    again = progress_start("export:7", label="Export", total=100)
    assert (again.pk, again.done, again.status, again.error, again.finished_at) == (p.pk, 40, "running", "", None)
    fresh = progress_start("export:7", restart=True)
    assert (fresh.pk, fresh.done, fresh.total) == (p.pk, 0, 100)


def test_unknown_total_and_failure(db):
    p = progress_start("scan", label="Scan")
    assert p.percent is None
    progress_update(p, advance=12)
    failed = progress_finish(p, status=ProgressStatus.FAILED, message="stopped", error="ValueError: bad row 12")
    assert (failed.status, failed.done, failed.error) == ("failed", 12, "ValueError: bad row 12")
    with pytest.raises(ValueError):
        progress_finish(p, status=ProgressStatus.RUNNING)
    with pytest.raises(ValueError):
        progress_finish(p, status="exploded")


@pytest.mark.django_db(transaction=True)
def test_progress_survives_a_rolled_back_batch():
    p = progress_start("batches", total=3)
    for i in range(3):
        try:
            with transaction.atomic():
                TaskProgress.objects.create(key=f"side-effect-{i}")
                if i == 2:
                    raise RuntimeError("bad batch")
        except RuntimeError:
            break
        progress_update(p, advance=1)
    row = TaskProgress.objects.get(pk=p.pk)
    assert row.done == 2
    assert not TaskProgress.objects.filter(key="side-effect-2").exists()


def test_result_url_shortcut(db):
    p = progress_start("x")
    p = progress_finish(p, result={"url": "/media/export.xlsx", "label": "Download"})
    assert p.links == [{"label": "Download", "url": "/media/export.xlsx"}]


@pytest.mark.parametrize(
    "done,total,message,expected",
    [
        (5000, 10000, "message", "\r[#####     ] 50% 5000/10000 message"),
        (0, 10, "", "\r[          ] 0% 0/10"),
        (10, 10, "done", "\r[##########] 100% 10/10 done"),
        (3, 9, "", "\r[###       ] 33% 3/9"),
        (42, None, "rows", "\r[??????????] 42 rows"),
    ],
)
def test_format_progress_line(done, total, message, expected):
    assert format_progress_line(done, total, message) == expected


def test_cli_progress_writes_one_line_to_a_command_stdout():
    buf = io.StringIO()
    cli = CliProgress(OutputWrapper(buf), min_interval=0)
    cli.update(5000, 10000, "importing")
    cli.update(10000, 10000, "ok")
    cli.finish()
    out = buf.getvalue()
    assert out.startswith("\r[#####     ] 50% 5000/10000 importing")
    assert "\r[##########] 100% 10000/10000 ok     \r" in out  # padded over the longer line
    assert out.endswith("\r[##########] 100% 10000/10000 ok\n")
    assert out.count("\n") == 1


def test_cli_progress_throttles_but_finish_prints(db):
    buf = io.StringIO()
    cli = CliProgress(buf, min_interval=60)
    p = progress_start("cli", total=4)
    for _ in range(4):
        progress_update(p, advance=1)
        cli.show(p)
    cli.finish("finished")
    lines = buf.getvalue().split("\r")[1:]
    assert lines == ["[##        ] 25% 1/4", "[##########] 100% 4/4 finished\n"]
