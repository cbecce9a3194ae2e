"""Export and print pages: the customer list's current filters as CSV or XLSX (an export
over the policy's cap becomes an approval request), my exports with the approved files to
download, and a printable list. Export and print are permissions; each is logged in the
access log with its row count, and each file or page carries the watermark.

The customer list links here with its query string; the owner of the list page includes
``customers/exports/partials/export_buttons.html`` in its page actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.permissions import main_unit
from zhidu.org.views._common import form_error, guard, tabler

from ..forms.exports import ExportForm
from ..policies import policy_for
from ..policies.export import needs_approval
from ..selectors import imports as sel
from ..services import exports as svc


def can_export(user) -> bool:
    return svc.export_allowed(user, svc.KIND_CUSTOMERS) or svc.export_allowed(user, svc.KIND_CONTACTS)


def _filters(request) -> dict:
    return {k: v for k, v in request.GET.items() if k not in ("page", "kind", "file_format")}


@guard(can_export)
@require_http_methods(["GET", "POST"])
def export_start(request):
    """GET: how many rows the list's filters give and whether an approval is needed;
    POST: the file, or the approval request."""
    filters = _filters(request)
    policy = policy_for("export", unit=main_unit(request.user))
    form = ExportForm(request.POST or None, initial={"kind": request.GET.get("kind", "customers")})
    kind = request.POST.get("kind") or request.GET.get("kind") or svc.KIND_CUSTOMERS
    try:
        count = svc.export_count(user=request.user, kind=kind, filters=filters)
        filter_error = ""
    except ValidationError as exc:
        count, filter_error = 0, str(exc.message)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = svc.export_create(
                actor=request.user,
                kind=d["kind"],
                filters=filters,
                file_format=d["file_format"],
                reason=d["reason"],
                policy=policy,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if result.waiting:
                messages.success(
                    request,
                    _("%(n)d rows need an approval: your request was sent. You will be told when the file is ready.")
                    % {"n": result.log.row_count},
                )
                return redirect("customers:export_list")
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            return response
    return render(
        request,
        "customers/exports/export_form.html",
        {
            "form": tabler(form),
            "count": count,
            "filter_error": filter_error,
            "filters": filters,
            "query": urlencode(filters),
            "needs_approval": count and needs_approval(count, policy.value),
            "over_max": count > policy.value.max_rows,
            "policy": policy,
        },
    )


@guard(lambda u: u.is_authenticated)
@require_GET
def export_list(request):
    page = paginate(sel.export_list(user=request.user), request.GET.get("page", 1), per_page=25)
    return render(request, "customers/exports/export_list.html", {"page": page})


@guard(lambda u: u.is_authenticated)
@require_GET
def export_download(request, pk: int):
    log = svc.export_file_for(user=request.user, log_id=pk)
    return FileResponse(log.file.open("rb"), as_attachment=True, filename=svc.file_name(log))


@guard(lambda u: svc.export_allowed(u, svc.KIND_CUSTOMERS, Action.PRINT))
@require_GET
def customer_print(request):
    """The filtered customer list as a page to print (print stylesheet, watermark in the
    header and footer of every page), logged as a print."""
    try:
        printed = svc.customer_list_print(actor=request.user, filters=_filters(request))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(f"/customers/?{urlencode(_filters(request))}")
    return render(request, "customers/exports/print.html", {"printed": printed})


urlpatterns = [
    path("export/", export_start, name="export"),
    path("exports/", export_list, name="export_list"),
    path("exports/<int:pk>/download/", export_download, name="export_download"),
    path("print/", customer_print, name="customer_print"),
]
