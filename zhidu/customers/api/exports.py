"""``/api/v1/customers/exports``: export the customer list (filters as on the list page)
as CSV or XLSX — the file at once (200), or, over the policy's cap, an approval request
(202) whose file is downloaded later. Export is a permission; every export is logged."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from ninja import Router, Status

from zhidu.core.pagination import paginate
from zhidu.org.schemas import PageOut, page_out

from ..models import ExportLog
from ..schemas.exports import ExportIn, ExportOut
from ..selectors import imports as sel
from ..services import exports as svc

router = Router(tags=["customers: exports"])


def export_out(log: ExportLog) -> dict:
    return {
        "id": log.pk,
        "kind": log.kind,
        "file_format": log.file_format,
        "status": log.status,
        "row_count": log.row_count,
        "filters": log.filters,
        "watermark": log.watermark,
        "approval_id": log.approval_id,
        "at": log.at,
        "expires_at": log.expires_at,
        "download_url": reverse("api-1:customers_export_file", args=[log.pk]) if log.file else None,
    }


@router.post(
    "/exports",
    response={202: ExportOut},
    summary="Export customers or contacts: the file (200), or an approval request over the cap (202)",
)
def export(request, payload: ExportIn):
    result = svc.export_create(
        actor=request.user,
        kind=payload.kind,
        filters=payload.filters,
        file_format=payload.file_format,
        reason=payload.reason,
    )
    if result.waiting:
        return Status(202, export_out(result.log))
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@router.get("/exports", response=PageOut[ExportOut], summary="My exports and export requests")
def exports(request, page: int = 1, page_size: int = 50):
    p = paginate(sel.export_list(user=request.user), page, page_size, max_per_page=200)
    p.items = [export_out(x) for x in p.items]
    return page_out(p)


@router.get("/exports/{int:export_id}/file", url_name="customers_export_file", summary="An approved export's file")
def export_file(request, export_id: int):
    log = svc.export_file_for(user=request.user, log_id=export_id)
    return FileResponse(log.file.open("rb"), as_attachment=True, filename=svc.file_name(log))
