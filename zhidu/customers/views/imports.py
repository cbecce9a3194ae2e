"""Import pages: upload a CSV/XLSX file, check the column mapping against a preview of the
cleaned first rows, start the import (a background task with a progress bar), download
the rejected rows with their reasons, and the import templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, Conflict, NotFound
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import form_error, guard, tabler

from ..choices import ImportKind, JobStatus
from ..forms.imports import MappingForm, UploadForm
from ..selectors import imports as sel
from ..services import imports as svc
from ..services.import_rows import REASON_LABELS
from ..services.transfers import people_in_scope

OT_JOB = "customers.importjob"


def can_import(user) -> bool:
    return has_perm(user, OT_JOB, Action.CREATE) or has_perm(user, OT_JOB, Action.VIEW)


def _kinds(user) -> list[str]:
    return [k for k in ImportKind.values if svc.import_allowed(user, k)]


def _owners(user):
    return people_in_scope(user, Action.ASSIGN)


@guard(can_import)
@require_http_methods(["GET", "POST"])
def import_list(request):
    kinds = _kinds(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, people=_owners(request.user), kinds=kinds)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            job = svc.import_upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                content=f.read(),
                file_name=f.name,
                encoding=form.cleaned_data["encoding"] or "auto",
                sheet=form.cleaned_data["sheet"],
                owner=form.cleaned_data["owner"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            return redirect("customers:import_detail", pk=job.pk)
    page = paginate(sel.import_list(user=request.user), request.GET.get("page", 1), per_page=20)
    return render(
        request,
        "customers/imports/import_list.html",
        {"form": tabler(form), "page": page, "kinds": [(k, ImportKind(k).label) for k in kinds]},
    )


@guard(can_import)
@require_http_methods(["GET", "POST"])
def import_detail(request, pk: int):
    """Pending: the mapping and the preview (POST saves the mapping; ``start`` runs it).
    Running: the progress bar. Done: the counts and the rejected rows."""
    job = sel.import_get(user=request.user, pk=pk)
    headers = job.options.get("headers") or []
    fields = svc.fields_for(job.kind)
    owner = svc.job_owner(job)
    mapping_form = None
    preview = None
    if job.status == JobStatus.PENDING and not job.options.get("queued"):
        mapping_form = MappingForm(
            request.POST or None,
            fields=fields,
            headers=headers,
            mapping=job.mapping,
            people=_owners(request.user),
            owner=owner,
        )
        if request.method == "POST" and mapping_form.is_valid():
            try:
                job = svc.import_mapping_set(
                    actor=request.user,
                    job=job,
                    mapping=mapping_form.mapping(),
                    owner=mapping_form.cleaned_data.get("owner"),
                )
                if "start" in request.POST:
                    svc.import_start(actor=request.user, job=job)
                    messages.success(request, _("The import started; you may leave this page."))
                    return redirect("customers:import_detail", pk=job.pk)
                messages.success(request, _("Mapping saved: check the preview."))
                return redirect("customers:import_detail", pk=job.pk)
            except ApplicationError as exc:
                form_error(mapping_form, exc)
        preview = svc.import_preview(actor=request.user, job=job, mapping=job.mapping)
        tabler(mapping_form)
    progress = None
    if job.progress_ref:
        from zhidu.jobs.models import TaskProgress

        progress = TaskProgress.objects.filter(pk=int(job.progress_ref)).first()
    reasons = [(REASON_LABELS.get(k, k), n) for k, n in sorted((job.options.get("rejected_by_reason") or {}).items())]
    return render(
        request,
        "customers/imports/import_detail.html",
        {
            "job": job,
            "owner": owner,
            "form": mapping_form,
            "preview": preview,
            "progress": progress,
            "reasons": reasons,
            "fields": fields,
        },
    )


@guard(can_import)
@require_POST
def import_cancel(request, pk: int):
    try:
        svc.import_cancel(actor=request.user, job=pk)
    except (Conflict, NotFound) as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:import_list")


@guard(can_import)
@require_GET
def import_rejected(request, pk: int):
    """The rejected rows with their reasons (CSV, UTF-8 with BOM)."""
    job = sel.import_get(user=request.user, pk=pk)
    if not job.rejected_file:
        raise NotFound()
    return FileResponse(
        job.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"rejected-{job.pk}-{job.original_name.rsplit('.', 1)[0]}.csv",
        content_type="text/csv; charset=utf-8",
    )


@guard(can_import)
@require_GET
def import_template(request, kind: str, file_format: str):
    if kind not in ImportKind.values or file_format not in ("csv", "xlsx"):
        raise NotFound()
    content = svc.import_template(kind, file_format)
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
    return response


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/cancel/", import_cancel, name="import_cancel"),
    path("imports/<int:pk>/rejected.csv", import_rejected, name="import_rejected"),
    path("imports/templates/<str:kind>.<str:file_format>", import_template, name="import_template"),
]
