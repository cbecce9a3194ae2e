"""The API root: ``/api/v1/`` with OpenAPI at ``/api/v1/openapi.json`` and docs at
``/api/v1/docs``. Token auth (``Authorization: Bearer zd_…``) for integrations, the
session (with CSRF) for the UI. Every 4xx has one shape: ``{code, message, fields}``."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from zhidu.core.errors import ApplicationError


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from zhidu.org.tokens import api_token_authenticate

        # Raises a 403 when the token lacks the scope the method needs (zhidu.org.tokens).
        user = api_token_authenticate(token, method=request.method)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Zhidu API",
    version="1",
    urls_namespace="api-1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    description="Zhidu sales management. Errors: `{code, message, fields}`; 401 = not signed in, 403 = not allowed.",
)


def _body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return api.create_response(request, _body("invalid", _("Some fields are not valid."), fields), status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, _body("unauthenticated", _("Sign in or send a valid API token.")), status=401)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, _body("forbidden", str(exc) or _("You do not have permission to do this.")), status=403
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, _body("not_found", _("Not found, or you may not see it.")), status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict"}
    return api.create_response(request, _body(codes.get(exc.status_code, "error"), str(exc)), status=exc.status_code)


# Each app that has an API exposes ``router`` in ``<app>/api.py``.
API_APPS = ["org", "audit", "approvals", "policies", "numbering", "jobs", "notifications", "customers"]
for _app in API_APPS:
    try:
        _module = importlib.import_module(f"zhidu.{_app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"zhidu.{_app}.api":
            raise
        continue
    api.add_router(f"/{_app}/", _module.router, tags=[_app])
