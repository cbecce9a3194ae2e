from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhidu.core.sessions import session_passive

from . import dashboard as dashboard_registry
from . import errors
from .navigation import badge_for


@login_required
def dashboard(request):
    widgets = dashboard_registry.render_data(request.user)
    return render(request, "core/dashboard.html", {"widgets": widgets})


@session_passive
@login_required
@require_GET
def nav_badge(request, url_name: str):
    """One navigation entry's count, for its ``hx-get`` refresh (``NavItem.badge``); 404
    for an entry without a badge or one the person does not see."""
    badge = badge_for(request.user, url_name)
    if badge is None:
        raise Http404
    return render(request, "core/includes/nav_badge.html", {"badge": badge})


@require_GET
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _api_error(status: int) -> JsonResponse:
    from zhidu.api import _body

    if status == 403:
        code, message = errors.PermissionDenied.code, str(errors.PermissionDenied.default_message)
    elif status == 404:
        code, message = errors.NotFound.code, str(errors.NotFound.default_message)
    else:
        code, message = (
            "server_error",
            _("Something went wrong on our side. It has been logged; please try again later."),
        )
    return JsonResponse(_body(code, message), status=status)


def error_403(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(403)
    return render(request, "errors/403.html", {"status": 403}, status=403)


def error_404(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404)
    return render(request, "errors/404.html", {"status": 404}, status=404)


def csrf_failure(request, reason: str = ""):
    """A form sent from a page that was open too long, or from another site: say so in
    words a person can act on instead of Django's technical page."""
    if request.path.startswith("/api/"):
        from zhidu.api import _body

        return JsonResponse(_body("csrf_failed", _("The form expired. Reload the page and try again.")), status=403)
    return render(request, "errors/csrf.html", {"status": 403}, status=403)


def error_500(request):
    """Rendered without context processors or the database: the failure may be the
    database itself, and the error page must still come up."""
    if request.path.startswith("/api/"):
        return _api_error(500)
    html = loader.get_template("errors/500.html").render(
        {"status": 500, "request_id": getattr(request, "request_id", "")}
    )
    return HttpResponse(html, status=500)
