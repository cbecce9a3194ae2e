"""Small helpers shared by the org and audit pages: permission guard, error mapping,
Tabler classes on form widgets."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from zhidu.core.errors import ApplicationError, NotFound, PermissionDenied


def guard(check):
    """Signed-in (else to the login page) and ``check(user)`` (else 403). Refusals from
    services and selectors become 403/404 pages."""

    def deco(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if check is not None and not check(request.user):
                raise DjangoPermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(str(exc.message))

        return wrapped

    return deco


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_error(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form: field errors where the field exists, the
    message on top."""
    shown = False
    for name, messages in (exc.fields or {}).items():
        if name in form.fields:
            for m in messages:
                form.add_error(name, m)
            shown = True
    if not shown or str(exc.message) not in {str(m) for ms in exc.fields.values() for m in ms}:
        form.add_error(None, str(exc.message))


def tabler(form: forms.Form) -> forms.Form:
    """Tabler/Bootstrap classes on every widget, and ``is-invalid`` on fields in error."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(w, (forms.Select, forms.SelectMultiple)):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        w.attrs["class"] = css
    return form
