"""``/api/v1/customers/imports``: upload a CSV/XLSX file, read the preview, set the
mapping, start (a background task; follow ``/api/v1/jobs/progress/{id}``), then fetch
the result and the rejected rows. Handlers validate and call the services."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from zhidu.core.errors import NotFound, ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.models import User
from zhidu.org.schemas import PageOut, page_out

from ..choices import ImportKind
from ..models import ImportJob
from ..schemas.imports import ImportOut, MappingIn, PreviewOut
from ..selectors import imports as sel
from ..services import imports as svc

router = Router(tags=["customers: imports"])


class UploadForm(Schema):
    kind: str = "customers"
    encoding: str = "auto"
    sheet: str = ""
    owner_id: int | None = None


def import_out(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "original_name": job.original_name,
        "headers": job.options.get("headers") or [],
        "mapping": job.mapping,
        "owner_id": job.options.get("owner_id"),
        "total_rows": job.total_rows,
        "created_rows": job.created_rows,
        "rejected_rows": job.rejected_rows,
        "rejected_by_reason": job.options.get("rejected_by_reason") or {},
        "error": job.error,
        "progress_id": int(job.progress_ref) if job.progress_ref else None,
        "rejected_url": reverse("api-1:customers_import_rejected", args=[job.pk]) if job.rejected_file else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _owner(pk: int | None) -> User | None:
    if pk is None:
        return None
    u = User.objects.filter(pk=pk).first()
    if u is None:
        raise ValidationError(_("There is no such user."), fields={"owner_id": [str(pk)]})
    return u


@router.get("/imports", response=PageOut[ImportOut], summary="My imports")
def imports(request, page: int = 1, page_size: int = 50):
    p = paginate(sel.import_list(user=request.user), page, page_size, max_per_page=200)
    p.items = [import_out(j) for j in p.items]
    return page_out(p)


@router.post("/imports", response={201: ImportOut}, summary="Upload a CSV or XLSX file (nothing is imported yet)")
def upload(request, payload: Form[UploadForm], file: UploadedFile = File(...)):  # noqa: B008
    job = svc.import_upload(
        actor=request.user,
        kind=payload.kind,
        content=file.read(),
        file_name=file.name or "",
        encoding=payload.encoding,
        sheet=payload.sheet,
        owner=_owner(payload.owner_id),
    )
    return Status(201, import_out(job))


@router.get("/imports/{int:job_id}", response=ImportOut, summary="One import: status, counts, reasons")
def import_get(request, job_id: int):
    return import_out(sel.import_get(user=request.user, pk=job_id))


@router.get("/imports/{int:job_id}/preview", response=PreviewOut, summary="The first rows with the cleaning applied")
def preview(request, job_id: int):
    job = sel.import_get(user=request.user, pk=job_id)
    p = svc.import_preview(actor=request.user, job=job)
    return {
        "headers": p.headers,
        "mapping": p.mapping,
        "fields": [{"key": f.key, "label": str(f.label), "required": f.required} for f in p.fields],
        "errors": p.errors,
        "rows": [
            {"number": r.number, "ok": r.ok, "reason": r.reason, "message": r.message, "values": r.values}
            for r in p.rows
        ],
    }


@router.put("/imports/{int:job_id}/mapping", response=ImportOut, summary="Set the column mapping (and the owner)")
def mapping(request, job_id: int, payload: MappingIn):
    job = svc.import_mapping_set(
        actor=request.user, job=job_id, mapping=payload.mapping, owner=_owner(payload.owner_id)
    )
    return import_out(job)


@router.post("/imports/{int:job_id}/start", response={202: ImportOut}, summary="Run the import in the background")
def start(request, job_id: int):
    return Status(202, import_out(svc.import_start(actor=request.user, job=job_id)))


@router.get("/imports/{int:job_id}/rejected", url_name="customers_import_rejected", summary="Rejected rows (CSV)")
def rejected(request, job_id: int):
    job = sel.import_get(user=request.user, pk=job_id)
    if not job.rejected_file:
        raise NotFound()
    return FileResponse(job.rejected_file.open("rb"), as_attachment=True, filename=f"rejected-{job.pk}.csv")


@router.get("/import-templates/{kind}", summary="An import template (format=xlsx or csv)")
def template(request, kind: str, format: str = "xlsx"):  # noqa: A002
    if kind not in ImportKind.values or format not in ("xlsx", "csv"):
        raise NotFound()
    response = HttpResponse(
        svc.import_template(kind, format),
        content_type="text/csv; charset=utf-8"
        if format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{format}"'
    return response
