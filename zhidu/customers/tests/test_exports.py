"""Exports and print: a permission (refused for reps: nothing written, nothing logged as an
export), the list's filters, CSV with a BOM and phone/code columns kept as text, XLSX with
text cells, the watermark in every file, masking without ``view_phone`` (and always for
pool customers), the access log, an export over the policy cap through an approval, the
download of the approved file, the printable list."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.utils import translation

from zhidu.audit.models import AccessLog
from zhidu.core.errors import LimitExceeded, PermissionDenied, ValidationError
from zhidu.customers.models import ExportLog, PublicPool
from zhidu.customers.policies.export import ExportPolicy
from zhidu.customers.services import exports as svc
from zhidu.customers.validators import credit_code_check_char

from .factories import ContactFactory, CustomerFactory
from .pool_support import load_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _env(settings, tmp_path):
    load_urls()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def pol(**values):
    return SimpleNamespace(value=ExportPolicy(**values), version_id=None, ref="export test")


def code(n: int) -> str:
    first17 = f"91440300{n:09d}"
    return first17 + credit_code_check_char(first17)


def customers(org, n=3, **kw):
    out = []
    for i in range(n):
        c = CustomerFactory(
            owner=org.rep_a1, name=f"导出客户{i}有限公司", credit_code=code(i), tier="A" if i else "B", **kw
        )
        ContactFactory(
            customer=c, name=f"联系人{i}", phone=f"1380013800{i}", email=f"c{i}@example.com", is_primary=True
        )
        out.append(c)
    return out


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def exports_logged() -> int:
    return AccessLog.objects.filter(event="export").count()


# --- permission ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rep_a1", "rep_a2", "asst_a", "tm_a", "finance"])
def test_export_refused_without_the_permission(org, persona):
    customers(org)
    with pytest.raises(PermissionDenied):
        svc.export_create(actor=getattr(org, persona), filters={}, file_format="csv")
    assert not ExportLog.objects.exists() and exports_logged() == 0


def test_export_page_refused_for_a_rep(org, client):
    customers(org)
    client.force_login(org.rep_a1)
    assert client.get("/customers/export/").status_code == 403
    assert client.post("/customers/export/", {"kind": "customers", "file_format": "csv"}).status_code == 403
    assert client.get("/customers/print/").status_code == 403
    assert not ExportLog.objects.exists() and not AccessLog.objects.filter(event__in=["export", "print"]).exists()


def test_policy_may_limit_exports_to_some_roles(org):
    customers(org)
    with pytest.raises(PermissionDenied):
        svc.export_create(actor=org.director, file_format="csv", policy=pol(roles=["general_manager"]))
    assert svc.export_create(actor=org.gm, file_format="csv", policy=pol(roles=["general_manager"])).content


# --- CSV, XLSX, watermark, masking --------------------------------------------------------------------------


def test_csv_has_a_bom_text_columns_and_the_watermark(org):
    cs = customers(org)
    CustomerFactory(owner=org.rep_a1, name='=HYPERLINK("http://x")')
    result = svc.export_create(actor=org.director, filters={}, file_format="csv")
    rows = read_csv(result.content)
    watermark = result.log.watermark
    assert watermark.startswith("Exported by 李总监 (director) at ") and "confidential" in watermark
    assert rows[0] == [watermark] and rows[-1] == [watermark]
    header = rows[1]
    assert header[0] == "Name" and header[1] == "Unified social credit code" and header[18] == "Contact phone"
    by_name = {r[0]: r for r in rows[2:-1]}
    row = by_name[cs[1].name]
    assert row[1] == f'="{code(1)}"' and row[18] == '="13800138001"' and row[19] == "c1@example.com"
    assert by_name['\'=HYPERLINK("http://x")']  # formula injection neutralised
    log = result.log
    assert (log.status, log.row_count, log.file_format, log.user_id) == ("done", 4, "csv", org.director.pk)
    access = AccessLog.objects.get(event="export")
    assert (access.user_id, access.rows, access.object_type) == (org.director.pk, 4, "customers.customer")


def test_xlsx_text_cells_header_row_and_footer(org):
    from openpyxl import load_workbook

    customers(org)
    result = svc.export_create(actor=org.director, filters={"tier": "A"}, file_format="xlsx")
    wb = load_workbook(io.BytesIO(result.content))
    ws = wb.active
    assert ws["A1"].value == result.log.watermark
    assert ws["A2"].value == "Name" and ws["B2"].value == "Unified social credit code"
    assert ws.max_row == 4  # watermark, header, the two tier-A customers
    phone = ws["S3"]
    assert phone.data_type == "s" and phone.number_format == "@" and phone.value.startswith("138001380")
    assert ws["B3"].data_type == "s" and ws["B3"].number_format == "@"
    assert result.log.watermark in ws.oddFooter.center.text
    assert result.log.filters == {"tier": "A"} and result.log.row_count == 2


def test_phones_masked_without_view_phone_and_in_the_pool(org):
    from zhidu.org.models import ActionPermission, User

    customers(org, n=1)
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    pooled = CustomerFactory(pool=pool, owner_unit=org.team_a, name="公海客户")
    ContactFactory(customer=pooled, name="公海联系人", phone="13900001111")
    rows = read_csv(svc.export_create(actor=org.director, file_format="csv").content)
    phones = {r[0]: r[18] for r in rows[2:-1]}
    assert phones["导出客户0有限公司"] == '="13800138000"'
    assert phones["公海客户"] == '="139****1111"'  # pool customers are always masked

    ActionPermission.objects.create(
        role="director", object_type="customers.contact", action="view_phone", allowed=False
    )
    director = User.objects.get(pk=org.director.pk)
    rows = read_csv(svc.export_create(actor=director, file_format="csv").content)
    by_name = {r[0]: r for r in rows[2:-1]}
    assert by_name["导出客户0有限公司"][18] == '="138****8000"' and by_name["导出客户0有限公司"][19] == "c*@example.com"


def test_contacts_export(org):
    customers(org, n=2)
    rows = read_csv(svc.export_create(actor=org.director, kind="contacts", file_format="csv").content)
    assert rows[1][:3] == ["Customer", "Unified social credit code", "Contact"]
    assert {r[2] for r in rows[2:-1]} == {"联系人0", "联系人1"}
    assert AccessLog.objects.get(event="export").object_type == "customers.contact"


def test_nothing_to_export_and_too_many(org):
    with pytest.raises(ValidationError):
        svc.export_create(actor=org.director, file_format="csv")
    customers(org)
    with pytest.raises(LimitExceeded):
        svc.export_create(actor=org.director, file_format="csv", policy=pol(max_rows=2))
    assert not ExportLog.objects.exists() and exports_logged() == 0


# --- over the cap: approval ------------------------------------------------------------------------------


def test_over_the_cap_needs_an_approval_then_the_file_is_built(org, django_capture_on_commit_callbacks, settings):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_approve
    from zhidu.notifications.models import Notification

    customers(org)
    with pytest.raises(ValidationError) as exc:
        svc.export_create(actor=org.director, file_format="xlsx", policy=pol(approval_over_rows=2))
    assert exc.value.code == "approval_needed" and not ExportLog.objects.exists()

    result = svc.export_create(
        actor=org.director, file_format="xlsx", policy=pol(approval_over_rows=2), reason="年度客户盘点"
    )
    assert result.waiting and result.content is None
    log = result.log
    assert (log.status, log.row_count, log.reason) == ("pending", 3, "年度客户盘点")
    assert exports_logged() == 0  # nothing left the system yet
    request = ApprovalRequest.objects.get(pk=log.approval_id)
    assert request.status == "pending" and request.content_type.model == "exportlog"

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=org.gm, request=request)
    log.refresh_from_db()
    assert log.status == "done" and log.file and log.expires_at is not None
    assert log.watermark.startswith("Exported by 李总监")
    access = AccessLog.objects.get(event="export")
    assert access.rows == 3 and access.user_id == org.director.pk
    assert Notification.objects.filter(recipient=org.director, event=svc.EVENT_READY).exists()
    # Built once: a second run of the task changes nothing.
    svc.export_build(log_id=log.pk)
    assert AccessLog.objects.filter(event="export").count() == 1


def test_rejected_export_request(org):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_reject

    customers(org)
    log = svc.export_create(actor=org.director, file_format="csv", policy=pol(approval_over_rows=1), reason="看看").log
    approval_reject(actor=org.gm, request=ApprovalRequest.objects.get(pk=log.approval_id), comment="不需要")
    log.refresh_from_db()
    assert log.status == "rejected" and not log.file and exports_logged() == 0


def test_approved_file_download_only_for_the_requester(org, client):
    customers(org)
    log = svc.export_create(actor=org.director, file_format="csv", policy=pol(approval_over_rows=1), reason="盘点").log
    from django.core.files.base import ContentFile

    ExportLog.objects.filter(pk=log.pk).update(status="approved")
    svc.export_build(log_id=log.pk)
    client.force_login(org.gm)
    assert client.get(f"/customers/exports/{log.pk}/download/").status_code == 404
    client.force_login(org.director)
    response = client.get(f"/customers/exports/{log.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")
    assert ContentFile


# --- pages, API, print ------------------------------------------------------------------------------------


def test_export_page_counts_and_downloads(org, client):
    customers(org)
    client.force_login(org.director)
    page = client.get("/customers/export/?tier=A")
    assert page.status_code == 200 and "2 customers match" in page.content.decode()
    response = client.post("/customers/export/?tier=A", {"kind": "customers", "file_format": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response.content)
    assert len(rows) == 2 + 2 + 1


def test_export_api(org, client):
    customers(org)
    client.force_login(org.director)
    r = client.post(
        "/api/v1/customers/exports",
        {"kind": "customers", "file_format": "csv", "filters": {"tier": "B"}},
        "application/json",
    )
    assert r.status_code == 200 and len(read_csv(r.content)) == 4
    client.force_login(org.rep_a1)
    r = client.post("/api/v1/customers/exports", {"file_format": "csv"}, "application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_print_is_logged_with_the_watermark(org, client):
    customers(org)
    client.force_login(org.director)
    response = client.get("/customers/print/?tier=A")
    html = response.content.decode()
    assert response.status_code == 200 and "Printed by 李总监 (director)" in html
    assert "导出客户1有限公司" in html and "导出客户0有限公司" not in html
    access = AccessLog.objects.get(event="print")
    assert access.rows == 2 and access.user_id == org.director.pk
    assert ExportLog.objects.get().file_format == "print"


def test_export_buttons_partial(org, rf):
    from django.template.loader import render_to_string

    request = rf.get("/customers/?tier=A&q=华为")
    html = render_to_string("customers/exports/partials/export_buttons.html", {"request": request})
    assert "/customers/export/?tier=A&amp;q=" in html and "/customers/print/?tier=A" in html
    hidden = render_to_string(
        "customers/exports/partials/export_buttons.html", {"request": request, "can_export": False, "can_print": False}
    )
    assert "export-button" not in hidden and "print-button" not in hidden
