"""The PostgreSQL import path checks and inserts the file chunk by chunk while the worker
processes prepare the next rows (``import_bulk.SQL_CHUNK_ROWS``). With chunks of two rows:
duplicate pairs straddling a chunk boundary are duplicates within the file (never
duplicates of the customer the earlier chunk just inserted), the holding cap counts across
chunks in file order, the verdicts equal the Python path's, and a failure in a later chunk
leaves nothing of the earlier ones."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from zhidu.audit.models import AuditEvent
from zhidu.customers.models import Contact, Customer, ImportJob
from zhidu.customers.services import import_bulk
from zhidu.customers.services import imports as svc

from .factories import ContactFactory, CustomerFactory
from .pool_support import publish
from .test_imports import _english, code, csv_bytes, rejected_rows  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HEADER = ["客户名称", "统一社会信用代码", "联系人", "手机", "座机", "邮箱", "客户状态"]
# Two rows a chunk: rows 2-3, 4-5, … of the sheet (row 1 is the header) go together, so each
# pair below has its first row at the end of one chunk and its second in the next.
ROWS = [
    ["普通一", "", "", "", "", "", ""],
    ["跨块甲", "", "张", "13400000001", "", "", ""],
    ["跨块乙", "", "李", "", "134 0000 0001", "", ""],  # the row above's phone, as a second phone
    ["邮箱甲", "", "王", "", "", "Li.Si@Example.CN", ""],
    ["邮箱乙", "", "赵", "", "", "li.si@example.cn", ""],  # the same e-mail, normalised
    ["名称科技有限公司", "", "", "", "", "", ""],
    ["名称科技（有限公司）", "", "", "", "", "", ""],  # the same normalised name
    ["代码甲", code(80), "", "", "", "", ""],
    ["代码乙", code(80), "", "", "", "", ""],  # the same credit code
    ["电话撞了", "", "孙", "13300000077", "", "", ""],  # another owner's contact: a conflict
    ["已有客户有限公司", "", "", "", "", "", ""],  # the importer's own customer
    ["邮箱撞了", "", "周", "13900000099", "", "A@B.cn", ""],  # a new phone, another owner's e-mail
    ["付费", code(81), "", "", "", "", "active"],
] + [[f"普通客户{i}", "", "", "", "", "", ""] for i in range(9)]


@pytest.fixture
def tiny_chunks(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(import_bulk, "CHUNK_ROWS", 2)
    monkeypatch.setattr(import_bulk, "SQL_CHUNK_ROWS", 2)


def _run(org, content, *, use_copy):
    job = svc.import_upload(actor=org.tm_a, kind="customers", content=content, file_name="x.csv")
    return svc.import_run(job_id=job.pk, use_copy=use_copy, workers=2 if use_copy else None)


def _created(job) -> set[str]:
    return set(
        AuditEvent.objects.filter(parent__object_id=str(job.pk), parent__action="customers.import").values_list(
            "object_repr", flat=True
        )
    )


def test_duplicates_across_chunk_boundaries_and_the_cap_equal_the_python_path(org, tiny_chunks):
    publish(org.admin, "holding", {"max_customers": 9})
    CustomerFactory(owner=org.tm_a, name="已有客户")  # tm_a holds 1: 8 places left
    ContactFactory(customer=CustomerFactory(owner=org.rep_c1, name="有电话的"), phone="13300000077", email="a@b.cn")
    content = csv_bytes(ROWS, HEADER)

    job1 = _run(org, content, use_copy=True)
    assert job1.status == "done", job1.error
    assert job1.options["timings"]["chunks"] >= 10  # the rows really went in two at a time
    assert "merge_in_background" in job1.options["timings"]  # the search index merged on its own connection
    created1, rejected1 = _created(job1), rejected_rows(job1)[1:]
    by_name = {r[3]: r[2] for r in rejected1}
    assert "row 3" in by_name["跨块乙"] and "phone" in by_name["跨块乙"]
    assert "row 5" in by_name["邮箱乙"] and "e-mail" in by_name["邮箱乙"]
    assert "row 7" in by_name["名称科技（有限公司）"]
    assert "row 9" in by_name["代码乙"] and "credit code" in by_name["代码乙"]
    assert "same e-mail" in by_name["邮箱撞了"]
    assert {"跨块甲", "邮箱甲", "名称科技有限公司", "代码甲", "付费"} <= created1
    # Their contacts went in with them, once.
    assert Contact.objects.filter(customer__name__in=["跨块甲", "邮箱甲"]).count() == 2

    Customer.objects.filter(name__in=created1).delete()
    job2 = _run(org, content, use_copy=False)
    created2, rejected2 = _created(job2), rejected_rows(job2)[1:]
    assert created1 == created2 and rejected1 == rejected2
    assert (
        job1.options["rejected_by_reason"]
        == job2.options["rejected_by_reason"]
        == {"duplicate_in_file": 4, "conflict": 2, "duplicate_existing": 1, "holding_cap": 6}
    )


@pytest.mark.parametrize("background", [True, False], ids=["merge-in-a-thread", "merge-in-line"])
def test_a_failure_in_a_later_chunk_writes_nothing(org, tiny_chunks, monkeypatch, background):
    """Also when the failure is the GIN merge on the merging thread's own connection: it
    fails the import at its next chunk, and the thread ends with it."""
    real = import_bulk._merge_gin_pending_lists
    calls = []

    def fail_on_the_third_chunk(cursor, tables):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(cursor, tables)

    monkeypatch.setattr(import_bulk, "MERGE_EACH_CHUNK", True)
    monkeypatch.setattr(import_bulk, "MERGE_IN_BACKGROUND", background)
    monkeypatch.setattr(import_bulk, "_merge_gin_pending_lists", fail_on_the_third_chunk)
    threads = threading.active_count()
    customers, contacts = Customer.objects.count(), Contact.objects.count()
    job = _run(org, csv_bytes(ROWS, HEADER), use_copy=True)
    assert job.status == "failed" and "disk full" in job.error
    assert len(calls) == 3
    assert (Customer.objects.count(), Contact.objects.count()) == (customers, contacts)
    assert not AuditEvent.objects.filter(action="customer.import").exists()
    assert not ImportJob.objects.filter(pk=job.pk, created_rows__gt=0).exists()
    assert threading.active_count() == threads
