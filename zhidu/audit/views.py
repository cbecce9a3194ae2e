"""Audit log and access log pages for administrators, with CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from zhidu.core.errors import ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.views._common import guard, is_htmx, tabler

from . import exports, policies, selectors
from .filtersets import AccessLogFilterSet, AuditEventFilterSet


def _list(request, *, filterset_class, select, template, partial, extra):
    filterset = filterset_class(request.GET or None)
    error = ""
    try:
        qs = select(filters=request.GET)
    except ValidationError as exc:
        qs = select()
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=50)
    ctx = {"page": page, "filter_form": tabler(filterset.form), "filter_error": error, **extra}
    return render(request, partial if is_htmx(request) else template, ctx)


@guard(policies.can_view_events)
@require_GET
def events(request):
    return _list(
        request,
        filterset_class=AuditEventFilterSet,
        select=selectors.event_list,
        template="audit/events.html",
        partial="audit/partials/event_results.html",
        extra={"can_export": policies.can_export_events(request.user)},
    )


@guard(policies.can_view_events)
@require_GET
def event_detail(request, pk: int):
    event = selectors.event_get(pk=pk)
    return render(
        request,
        "audit/event_detail.html",
        {
            "event": event,
            "rows": selectors.change_rows(event, user=request.user),
            "children": selectors.event_children(event=event),
        },
    )


@guard(policies.can_view_access)
@require_GET
def access(request):
    return _list(
        request,
        filterset_class=AccessLogFilterSet,
        select=selectors.access_list,
        template="audit/access.html",
        partial="audit/partials/access_results.html",
        extra={"can_export": policies.can_export_access(request.user)},
    )


def _csv(name: str, lines) -> StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _export(request, export, name: str, list_url: str):
    try:
        _n, lines = export(user=request.user, filters=request.GET)
    except ValidationError as exc:
        messages.error(request, str(exc.message))
        return redirect(f"{reverse(list_url)}?{request.GET.urlencode()}")
    return _csv(name, lines)


@guard(policies.can_export_events)
@require_GET
def events_csv(request):
    return _export(request, exports.events_export, "audit-log", "audit:events")


@guard(policies.can_export_access)
@require_GET
def access_csv(request):
    return _export(request, exports.access_export, "access-log", "audit:access")
