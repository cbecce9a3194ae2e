"""Imports of customers: files as Chinese users have them (GBK/GB18030 CSV from Excel,
UTF-8 with and without a BOM, XLSX with numbers for phones), the mapping guessed from the
headers, the preview's cleaning, broken rows kept aside with their reasons while the good
ones go in, duplicates within the file, duplicates and conflicts with existing records,
the holding cap, the background task with its progress row, re-runs, the audit trail, the
command line and the templates."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import PermissionDenied, ValidationError
from zhidu.customers.models import Contact, Customer, ImportJob, PublicPool
from zhidu.customers.services import imports as svc
from zhidu.customers.services.import_files import detect_encoding, read_table
from zhidu.customers.validators import credit_code_check_char

from .factories import ContactFactory, CustomerFactory
from .pool_support import load_urls, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    load_urls()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def code(n: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    first17 = f"91310000{n:09d}"
    return first17 + credit_code_check_char(first17)


HEADER = ["客户名称", "统一社会信用代码", "省份", "客户分类", "联系人", "手机", "备注"]


def csv_bytes(rows, header=HEADER, encoding="utf-8", bom=False) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(actor, content, name="customers.csv", owner=None, kind="customers", **kw):
    """Upload and run at once (on PostgreSQL customers go through the COPY path)."""
    job = svc.import_upload(actor=actor, kind=kind, content=content, file_name=name, owner=owner, **kw)
    return svc.import_run(job_id=job.pk)


def rejected_rows(job) -> list[list[str]]:
    import csv

    job.rejected_file.open("rb")
    raw = job.rejected_file.read()
    job.rejected_file.close()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


# --- files and encodings ---------------------------------------------------------------------------


def test_gbk_csv_as_chinese_excel_writes_it(org):
    content = csv_bytes(
        [["  上海甲乙科技有限公司 ", code(1), "上海", "A类", "张伟", "+86 138-1234-5678", "展会认识"]], encoding="gbk"
    )
    assert detect_encoding(content) == "gb18030"
    job = run(org.tm_a, content)
    assert (job.status, job.created_rows, job.rejected_rows) == ("done", 1, 0)
    c = Customer.objects.get()
    assert (c.name, c.credit_code, c.province, c.tier, c.owner_id) == (
        "上海甲乙科技有限公司",
        code(1),
        "31",
        "A",
        org.tm_a.pk,
    )
    assert c.owner_unit_id == org.team_a.pk and c.credit_to_id == org.tm_a.pk and c.source == "import"
    assert c.search_text == "上海甲乙科技有限公司 shanghaijiayikeji shjykj"  # pinyin without the legal form
    contact = Contact.objects.get()
    assert (contact.name, contact.phone_normalized, contact.is_primary) == ("张伟", "13812345678", True)


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_csv_with_or_without_bom(org, bom):
    content = csv_bytes([["杭州丙丁贸易有限公司", "", "浙江省", "B", "李娜", "13912345678", ""]], bom=bom)
    assert detect_encoding(content) == ("utf-8-sig" if bom else "utf-8")
    job = run(org.tm_a, content)
    assert job.created_rows == 1
    assert Customer.objects.get().name == "杭州丙丁贸易有限公司"  # no BOM glued to the first header


def test_xlsx_numbers_stay_text(org):
    content = xlsx_bytes([["深圳戊己电子有限公司", code(2), "广东", "C", "王强", 13712345678, None]])
    table = read_table(content, "customers.xlsx")
    assert table.rows[0][5] == "13712345678" and table.sheet == "客户"
    job = run(org.tm_a, content, name="customers.xlsx")
    assert job.created_rows == 1
    assert Contact.objects.get().phone == "13712345678"


def test_mapping_guessed_from_english_headers(org):
    header = ["Company name", "Credit code", "Province", "Tier", "Contact", "Mobile", "Remarks"]
    job = svc.import_upload(
        actor=org.tm_a,
        kind="customers",
        content=csv_bytes([["某公司", "", "", "", "", "", ""]], header),
        file_name="x.csv",
    )
    assert job.mapping == {
        "name": 0,
        "credit_code": 1,
        "province": 2,
        "tier": 3,
        "contact_name": 4,
        "contact_phone": 5,
        "notes": 6,
    }


def test_mapping_must_name_the_required_columns(org):
    job = svc.import_upload(actor=org.tm_a, kind="customers", content=csv_bytes([["a"] * 7]), file_name="x.csv")
    with pytest.raises(ValidationError) as exc:
        svc.import_mapping_set(actor=org.tm_a, job=job, mapping={"notes": 6})
    assert "name" in exc.value.fields
    with pytest.raises(ValidationError):
        svc.import_mapping_set(actor=org.tm_a, job=job, mapping={"name": 0, "notes": 0})


def test_not_a_readable_file_is_refused_and_nothing_stored(org):
    with pytest.raises(ValidationError):
        svc.import_upload(actor=org.tm_a, kind="customers", content=b"PK\x03\x04 broken", file_name="x.xlsx")
    with pytest.raises(ValidationError):
        svc.import_upload(actor=org.tm_a, kind="customers", content=b"", file_name="x.csv")
    assert not ImportJob.objects.exists()


def test_reps_may_not_import(org):
    with pytest.raises(PermissionDenied):
        svc.import_upload(actor=org.rep_a1, kind="customers", content=csv_bytes([["某公司"] * 7]), file_name="x.csv")
    assert not ImportJob.objects.exists()


def test_importing_for_someone_outside_the_units_is_refused(org):
    with pytest.raises(PermissionDenied):
        svc.import_upload(
            actor=org.tm_a, kind="customers", content=csv_bytes([["某公司"] * 7]), file_name="x.csv", owner=org.rep_c1
        )
    job = run(org.tm_a, csv_bytes([["某某公司", "", "", "", "", "", ""]]), owner=org.rep_a1)
    assert Customer.objects.get().owner_id == org.rep_a1.pk and job.created_rows == 1


# --- preview ---------------------------------------------------------------------------------------


def test_preview_shows_the_cleaning(org):
    content = csv_bytes(
        [
            [" 北京 庚辛   科技有限公司 ", code(3).lower(), "北京市", "a", "赵六", "(010) 6123 4567 转 8", ""],
            ["北京错码公司", "91310000000000001X", "", "", "", "", ""],
            ["", "", "", "", "", "", ""],  # an empty row is skipped
            ["北京庚辛科技有限公司", "", "", "", "", "", ""],
        ]
    )
    job = svc.import_upload(actor=org.tm_a, kind="customers", content=content, file_name="x.csv")
    p = svc.import_preview(actor=org.tm_a, job=job)
    assert not p.errors and [r.number for r in p.rows] == [2, 3, 5]
    first, bad, dup = p.rows
    assert first.ok and first.values["name"] == "北京 庚辛 科技有限公司"
    assert first.values["credit_code"] == code(3) and first.values["province"] == "11" and first.values["tier"] == "A"
    assert first.values["contact_phone"] == "01061234567"
    assert bad.reason == "invalid_credit_code" and "check digit" in bad.message
    assert dup.reason == "duplicate_in_file" and "row 2" in dup.message
    assert not Customer.objects.exists()


# --- rejected rows kept aside, good rows kept ------------------------------------------------------------


def test_broken_rows_are_kept_aside_with_their_reasons(org):
    content = csv_bytes(
        [
            ["好公司一", code(10), "", "", "", "", ""],
            ["", code(11), "", "", "", "", ""],  # no name
            ["错码公司", "91310000MA1FL1RX5X", "", "", "", "", ""],  # check digit
            ["坏省份公司", "", "火星", "", "", "", ""],
            ["坏电话公司", "", "", "", "钱七", "12345", ""],
            ["好公司二", "", "", "", "孙八", "13600000000", ""],
        ]
    )
    job = run(org.tm_a, content)
    assert (job.total_rows, job.created_rows, job.rejected_rows) == (6, 2, 4)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["好公司一", "好公司二"]
    assert job.options["rejected_by_reason"] == {"missing_field": 1, "invalid_credit_code": 1, "invalid_value": 2}
    rows = rejected_rows(job)
    assert rows[0][:3] == ["Row", "Reason", "Details"] and rows[0][3:] == HEADER
    by_row = {r[0]: r for r in rows[1:]}
    assert set(by_row) == {"3", "4", "5", "6"}
    assert by_row["3"][1] == "Missing required field" and by_row["3"][4] == f'="{code(11)}"'
    assert by_row["4"][1] == "Invalid credit code"
    assert "火星" in by_row["5"][2] and by_row["6"][8] == '="12345"'


def test_duplicates_within_the_file(org):
    content = csv_bytes(
        [
            ["上海壬癸科技有限公司", code(20), "", "", "周九", "13500000001", ""],
            ["上海壬癸科技公司", "", "", "", "", "", ""],  # same name once the legal form is stripped
            ["另一家公司", code(20), "", "", "", "", ""],  # same credit code
            ["第三家公司", "", "", "", "吴十", "135-0000-0001", ""],  # same phone
            ["第四家公司", "", "", "", "", "", ""],
        ]
    )
    job = run(org.tm_a, content)
    assert job.created_rows == 2 and job.rejected_rows == 3
    msgs = {r[0]: r[2] for r in rejected_rows(job)[1:]}
    assert msgs == {
        "3": "Duplicate of row 2 in this file (same name).",
        "4": "Duplicate of row 2 in this file (same unified social credit code).",
        "5": "Duplicate of row 2 in this file (same phone).",
    }


def test_duplicates_and_conflicts_with_existing_records(org):
    CustomerFactory(owner=org.tm_a, name="我的老客户有限公司")
    theirs = CustomerFactory(owner=org.rep_b1, name="别人的客户有限公司", credit_code=code(30))
    ContactFactory(customer=CustomerFactory(owner=org.rep_c1, name="远方客户"), phone="13300000009")
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    CustomerFactory(pool=pool, owner_unit=org.team_a, name="公海里的客户")
    content = csv_bytes(
        [
            ["我的老客户", "", "", "", "", "", ""],
            ["名字不同", code(30), "", "", "", "", ""],
            ["又一家", "", "", "", "某人", "+86 13300000009", ""],
            ["公海里的客户有限公司", "", "", "", "", "", ""],
            ["全新客户", "", "", "", "", "", ""],
        ]
    )
    job = run(org.tm_a, content)
    assert job.created_rows == 1 and job.options["rejected_by_reason"] == {"duplicate_existing": 1, "conflict": 3}
    msgs = {r[0]: (r[1], r[2]) for r in rejected_rows(job)[1:]}
    assert msgs["2"][0] == "Duplicate of an existing record" and "held by 周组长" in msgs["2"][1]
    assert msgs["3"][0] == "Conflict with another owner"
    assert "“别人的客户有限公司”, held by 褚三" in msgs["3"][1] and "unified social credit code" in msgs["3"][1]
    assert "held by 蒋四" in msgs["4"][1] and "(same phone)" in msgs["4"][1]
    assert "in the public pool 一组公海" in msgs["5"][1]
    assert theirs.owner_id == Customer.objects.get(pk=theirs.pk).owner_id


def test_holding_cap_applies_in_file_order(org):
    publish(org.admin, "holding", {"max_customers": 3})
    CustomerFactory(owner=org.tm_a)
    content = csv_bytes(
        [
            ["客户一", "", "", "", "", "", ""],
            ["客户二", "", "", "", "", "", ""],
            ["客户三", "", "", "", "", "", ""],
            ["客户四", "", "", "", "", "", ""],
        ]
    )
    job = run(org.tm_a, content)
    assert job.created_rows == 2 and job.options["rejected_by_reason"] == {"holding_cap": 2}
    assert sorted(Customer.objects.filter(name__startswith="客户").values_list("name", flat=True)) == [
        "客户一",
        "客户二",
    ]
    msg = {r[0]: r[2] for r in rejected_rows(job)[1:]}
    assert msg["4"].startswith("Over the holding cap: 周组长 may hold 3 customers")


def test_paying_customers_do_not_count_against_the_cap(org):
    publish(org.admin, "holding", {"max_customers": 1})
    header = ["客户名称", "统一社会信用代码", "客户状态"]
    content = csv_bytes(
        [["付费一", code(40), "active"], ["付费二", code(41), "成交"], ["潜在一", "", ""], ["潜在二", "", ""]], header
    )
    job = run(org.tm_a, content)
    assert job.created_rows == 3 and job.options["rejected_by_reason"] == {"holding_cap": 1}


# --- the task, its progress, re-runs, audit -------------------------------------------------------------------


def test_background_task_with_progress(org, settings, django_capture_on_commit_callbacks):
    from zhidu.jobs.models import TaskProgress

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    content = csv_bytes([[f"进度公司{i}", "", "", "", "", "", ""] for i in range(5)] + [["", "", "", "", "", "", ""]])
    job = svc.import_upload(actor=org.tm_a, kind="customers", content=content, file_name="x.csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        svc.import_start(actor=org.tm_a, job=job)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("done", 5)
    p = TaskProgress.objects.get(pk=int(job.progress_ref))
    assert (p.status, p.done, p.total, p.owner_id) == ("succeeded", 5, 5, org.tm_a.pk)
    assert p.message == "5 imported, 0 rejected"
    assert p.result["links"][0]["url"] == f"/customers/imports/{job.pk}/"
    from zhidu.customers.services.imports import EVENT_DONE
    from zhidu.notifications.models import Notification

    assert Notification.objects.filter(recipient=org.tm_a, event=EVENT_DONE).exists()


def test_start_twice_is_refused(org):
    from zhidu.core.errors import Conflict

    job = svc.import_upload(actor=org.tm_a, kind="customers", content=csv_bytes([["某公司"] * 7]), file_name="x.csv")
    svc.import_start(actor=org.tm_a, job=job)
    with pytest.raises(Conflict):
        svc.import_start(actor=org.tm_a, job=job)


def test_a_finished_import_runs_once_and_an_interrupted_one_resumes(org):
    content = csv_bytes([[f"重跑公司{i}", "", "", "", "", "", ""] for i in range(3)])
    job = run(org.tm_a, content)
    assert job.created_rows == 3
    assert svc.import_run(job_id=job.pk).created_rows == 3  # finished: left alone
    # As if the worker died after the rows were written: the job is still "running".
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    again = svc.import_run(job_id=job.pk, use_copy=False)
    assert (again.status, again.created_rows, again.rejected_rows) == ("done", 3, 0)
    assert Customer.objects.count() == 3


def test_one_audit_event_with_a_child_per_customer(org):
    job = run(org.tm_a, csv_bytes([["审计一", "", "", "", "", "", ""], ["审计二", "", "", "", "", "", ""]]))
    parent = AuditEvent.objects.get(action="customers.import")
    assert parent.object_id == str(job.pk) and parent.changes["rows"] == 2
    children = AuditEvent.objects.filter(parent=parent)
    assert {c.object_repr for c in children} == {"审计一", "审计二"}
    assert {c.action for c in children} == {"customer.import"}


# --- contacts and leads --------------------------------------------------------------------------------


def test_contacts_import(org):
    a = CustomerFactory(owner=org.tm_a, name="甲方科技有限公司", credit_code=code(50))
    CustomerFactory(owner=org.tm_a, name="乙方公司")
    ContactFactory(customer=a, name="老联系人", phone="13800000001")
    CustomerFactory(owner=org.rep_c1, name="外人的公司")
    header = ["客户", "联系人", "职务", "决策角色", "手机", "生日"]
    content = csv_bytes(
        [
            ["甲方科技", "新联系人", "采购", "决策者", "13800000002", "1985/6/1"],
            [code(50), "第二人", "", "", "13800000003", ""],
            ["甲方科技有限公司", "重复的", "", "", "13800000001", ""],
            ["外人的公司", "看不到", "", "", "13800000004", ""],
            ["乙方公司", "坏日期", "", "", "", "六月一日"],
        ],
        header,
    )
    job = run(org.tm_a, content, kind="contacts")
    assert job.created_rows == 2 and job.options["rejected_by_reason"] == {
        "duplicate_existing": 1,
        "unknown_customer": 1,
        "invalid_value": 1,
    }
    new = Contact.objects.get(name="新联系人")
    assert (new.customer_id, new.decision_role, str(new.birthday)) == (a.pk, "decision_maker", "1985-06-01")
    assert Contact.objects.get(name="第二人").customer_id == a.pk


def test_leads_import(org):
    from zhidu.customers.models import Lead

    from .factories import LeadFactory

    LeadFactory(
        owner=org.rep_a2,
        owner_unit=org.team_a,
        company="已有线索公司",
        phone="13700000001",
        phone_normalized="13700000001",
    )
    CustomerFactory(owner=org.rep_b1, name="已是客户公司")
    header = ["公司名称", "联系人", "手机", "来源", "省份"]
    content = csv_bytes(
        [
            ["新线索公司", "李先生", "13700000009", "展会", "江苏"],
            ["另一个", "王女士", "13700000001", "", ""],
            ["已是客户公司", "赵总", "13700000008", "", ""],
            ["无电话公司", "孙总", "", "", ""],
        ],
        header,
    )
    job = run(org.asst_a, content, kind="leads", name="leads.csv")
    assert job.created_rows == 1 and job.rejected_rows == 3, (
        rejected_rows(job),
        list(Lead.objects.values_list("company", flat=True)),
    )
    lead = Lead.objects.get(company="新线索公司")
    assert (lead.owner_id, lead.source, lead.province, lead.import_job_id) == (None, "trade_show", "32", job.pk)
    assert lead.phone_normalized == "13700000009" and lead.name_normalized == "新线索"


# --- command line, templates ----------------------------------------------------------------------------


def test_command_line_import(org, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["命令行公司", code(60), "", "", "", "", ""],
                ["", "", "", "", "", "", ""],
                ["命令行公司", "", "", "", "", "", ""],
            ]
        )
    )
    out = io.StringIO()
    call_command(
        "import_customers", str(path), "--owner", "tm_a", "--mapping", "name=客户名称,credit_code=2", stdout=out
    )
    text = out.getvalue()
    assert "\r[##########] 100% 2/2" in text
    assert "1 imported, 1 rejected of 2 rows" in text
    assert (tmp_path / "客户.csv.rejected.csv").exists()
    assert Customer.objects.get().credit_code == code(60)


def test_templates_have_the_headers_and_an_example(org):
    from zhidu.customers.services.import_files import read_table as read

    for kind in ("customers", "contacts", "leads"):
        for fmt in ("csv", "xlsx"):
            content = svc.import_template(kind, fmt)
            table = read(content, f"t.{fmt}")
            assert len(table.rows) == 1
            fields = svc.fields_for(kind)
            assert svc.guess_mapping(kind, table.headers) == {f.key: i for i, f in enumerate(fields)}
    # The template imports cleanly.
    job = run(org.tm_a, svc.import_template("customers", "xlsx"), name="t.xlsx")
    assert job.created_rows == 1, job.options


def test_committed_csv_templates_are_current():
    """zhidu/customers/import_templates/*.csv are what the generator writes in Chinese."""
    from pathlib import Path

    base = Path(svc.__file__).resolve().parent.parent / "import_templates"
    with translation.override("zh-hans"):
        for kind in ("customers", "contacts", "leads"):
            assert (base / f"{kind}.csv").read_bytes() == svc.import_template(kind, "csv"), kind


def test_fast_search_columns_equal_the_services(org):
    from zhidu.customers.normalize import normalize_name
    from zhidu.customers.services.import_rows import derive_name
    from zhidu.customers.services.search import search_fields

    names = [
        "華為技術有限公司",
        "重庆长安汽车股份有限公司",
        "沈默科技",
        "长沙市长乐行",
        "ＡＢＣ　Co., Ltd.",
        "〇号工厂",
        "有限公司",
        "银行",
    ]
    for n in names:
        f = search_fields(n)
        assert derive_name(n) == (normalize_name(n)[:200], f["search_text"], f["search_grams"]), n
    assert SimpleNamespace and json


@pytest.mark.postgres
def test_copy_path_reaches_the_python_paths_verdicts(org, monkeypatch):
    """The same file through COPY + set-based SQL and through the batched Python path."""
    from django.db import connection

    from zhidu.customers.services import import_bulk

    monkeypatch.setattr(import_bulk, "CHUNK_ROWS", 3)

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    publish(org.admin, "holding", {"max_customers": 12})
    CustomerFactory(owner=org.tm_a, name="已有客户")
    CustomerFactory(owner=org.rep_b1, name="别人的", credit_code=code(70))
    ContactFactory(customer=CustomerFactory(owner=org.rep_c1, name="有电话的"), phone="13300000077", email="a@b.cn")
    header = ["客户名称", "统一社会信用代码", "联系人", "手机", "座机", "邮箱", "客户状态"]
    rows = [
        ["已有客户有限公司", "", "", "", "", "", ""],
        ["名字新", code(70), "", "", "", "", ""],
        ["电话撞了", "", "甲", "13300000077", "", "", ""],
        ["邮箱撞了", "", "乙", "", "", "A@B.cn", ""],
        ["文件内甲", "", "丙", "13400000001", "021-61234567", "", ""],
        ["文件内乙", "", "丁", "02161234567", "", "", ""],  # phone2 of the row above
        ["文件内甲公司", "", "", "", "", "", ""],
        ["付费", code(71), "", "", "", "", "active"],
        ["坏码", "91310000000000001X", "", "", "", "", ""],
    ] + [[f"普通客户{i}", "", "", "", "", "", ""] for i in range(14)]
    content = csv_bytes(rows, header)
    CustomerFactory(owner=org.tm_a)  # tm_a holds 2: 10 places left

    def verdicts(use_copy):
        job = svc.import_upload(actor=org.tm_a, kind="customers", content=content, file_name="x.csv")
        # On the COPY path the rows are prepared by two forked processes, three rows a chunk.
        job = svc.import_run(job_id=job.pk, use_copy=use_copy, workers=2 if use_copy else None)
        created = set(
            AuditEvent.objects.filter(parent__object_id=str(job.pk), parent__action="customers.import").values_list(
                "object_repr", flat=True
            )
        )
        return job, created, rejected_rows(job)[1:]

    job1, created1, rejected1 = verdicts(True)
    assert job1.options["timings"]["workers"] == 2 and job1.options["timings"]["pinyin"] > 0
    Customer.objects.filter(name__in=created1).delete()
    job2, created2, rejected2 = verdicts(False)
    assert created1 == created2 and rejected1 == rejected2
    assert (
        job1.options["rejected_by_reason"]
        == job2.options["rejected_by_reason"]
        == {
            "duplicate_existing": 1,
            "conflict": 3,
            "duplicate_in_file": 2,
            "invalid_credit_code": 1,
            "holding_cap": 5,
        }
    )
