"""Import pages and API: upload, the mapping form and the preview, start (the task after
the commit, its progress bar), the rejected rows download, the templates, who may."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from zhidu.customers.models import Customer, ImportJob

from .pool_support import load_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _env(settings, tmp_path):
    load_urls()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


CSV = "客户名称,手机,省份\r\n页面公司甲,13811110000,上海\r\n页面公司甲,13811110001,\r\n页面公司乙,1234,\r\n".encode(
    "gbk"
)


def upload(client, content=CSV, name="客户.csv", **extra):
    return client.post(
        "/customers/imports/",
        {"kind": "customers", "file": SimpleUploadedFile(name, content), "encoding": "auto", **extra},
    )


def test_upload_map_preview_start_and_download(org, client, django_capture_on_commit_callbacks):
    client.force_login(org.tm_a)
    response = upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/imports/{job.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="mapping-form"' in html and 'data-testid="preview-table"' in html
    assert "Duplicate of row 2 in this file (same name)." in html
    assert "is not a phone number" in html
    assert job.options["detected_encoding"] == "gb18030"
    form = {"col_name": "0", "col_contact_phone": "1", "col_province": "2", "owner": org.tm_a.pk, "start": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/customers/imports/{job.pk}/", form)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_rows, job.rejected_rows) == ("done", 1, 2)
    html = client.get(f"/customers/imports/{job.pk}/").content.decode()
    assert 'data-testid="import-progress"' in html and 'data-testid="rejected-download"' in html
    download = client.get(f"/customers/imports/{job.pk}/rejected.csv")
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and body.startswith(b"\xef\xbb\xbf") and "页面公司乙".encode() in body
    assert Customer.objects.get().name == "页面公司甲"


def test_imports_only_for_those_allowed(org, client):
    client.force_login(org.rep_a1)
    assert client.get("/customers/imports/").status_code == 403
    assert upload(client).status_code == 403
    assert not ImportJob.objects.exists()
    client.force_login(org.tm_a)
    job_id = upload(client).url.rstrip("/").rsplit("/", 1)[-1]
    client.force_login(org.tm_b)  # someone else's import
    assert client.get(f"/customers/imports/{job_id}/").status_code == 404


def test_bad_file_shows_the_error(org, client):
    client.force_login(org.tm_a)
    response = upload(client, content=b"PK\x03\x04 nope", name="x.xlsx")
    assert response.status_code == 200 and "not an Excel workbook" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_templates_download(org, client):
    client.force_login(org.tm_a)
    xlsx = client.get("/customers/imports/templates/customers.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get("/customers/imports/templates/leads.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert client.get("/customers/imports/templates/nothing.csv").status_code == 404


def test_import_list_query_count(org, client, django_assert_max_num_queries):
    client.force_login(org.tm_a)
    for _i in range(4):
        upload(client)
    with django_assert_max_num_queries(14):  # the same for 1 or 25 imports: no query per row
        html = client.get("/customers/imports/").content.decode()
    assert html.count("客户.csv") == 4


def test_api_upload_mapping_preview_start(org, client, django_capture_on_commit_callbacks):
    client.force_login(org.tm_a)
    r = client.post("/api/v1/customers/imports", {"kind": "customers", "file": SimpleUploadedFile("c.csv", CSV)})
    assert r.status_code == 201
    job = r.json()
    assert job["headers"] == ["客户名称", "手机", "省份"] and job["mapping"] == {
        "name": 0,
        "contact_phone": 1,
        "province": 2,
    }
    p = client.get(f"/api/v1/customers/imports/{job['id']}/preview").json()
    assert [row["ok"] for row in p["rows"]] == [True, False, False]
    assert p["rows"][0]["values"]["contact_phone"] == "13811110000"
    r = client.put(
        f"/api/v1/customers/imports/{job['id']}/mapping", {"mapping": {"contact_phone": 1}}, "application/json"
    )
    assert r.status_code == 422 and "name" in r.json()["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/customers/imports/{job['id']}/start")
    assert r.status_code == 202 and r.json()["progress_id"]
    done = client.get(f"/api/v1/customers/imports/{job['id']}").json()
    assert (done["status"], done["created_rows"], done["rejected_rows"]) == ("done", 1, 2)
    assert done["rejected_by_reason"] == {"duplicate_in_file": 1, "invalid_value": 1}
    rejected = client.get(done["rejected_url"])
    assert rejected.status_code == 200
    progress = client.get(f"/api/v1/jobs/progress/{done['progress_id']}").json()
    assert progress["status"] == "succeeded"
