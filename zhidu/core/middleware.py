from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url

from .context import client_ip_var, new_request_id, request_id_var
from .http import client_ip


class RequestIdMiddleware:
    """Gives every request an id (or keeps the proxy's ``X-Request-ID``) that audit rows
    carry, and remembers the client IP (behind trusted proxies: ``zhidu.core.http.client_ip``) for
    the access log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:64] or new_request_id()
        ip = client_ip(request)
        request.request_id = rid
        request.client_ip = ip
        t1 = request_id_var.set(rid)
        t2 = client_ip_var.set(ip)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(t1)
            client_ip_var.reset(t2)
        response["X-Request-ID"] = rid
        return response


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session expired gets ``HX-Redirect`` to the login page, so the
    whole page goes there instead of the login form landing inside a fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true" and response.status_code == 302:
            login = resolve_url(settings.LOGIN_URL)
            location = response.get("Location", "")
            if location.startswith(login):
                htmx = HttpResponse(status=204)
                htmx["HX-Redirect"] = location
                return htmx
        return response
