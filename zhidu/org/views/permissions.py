"""The role × object type × action table and the roles' data scopes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zhidu.core.errors import ApplicationError

from .. import policies, selectors
from ..forms import RoleScopesForm
from ..permissions import object_type, object_types, role_scopes
from ..services import action_permissions_reset, action_permissions_set, role_scopes_set
from ._common import form_error, guard, tabler


def _type_url(key: str) -> str:
    return f"{reverse('org:permissions')}?{urlencode({'type': key})}"


@guard(policies.can_view_permissions)
@require_http_methods(["GET", "POST"])
def permissions(request):
    types = object_types()
    if not types:
        raise Http404
    key = request.POST.get("type") or request.GET.get("type") or types[0].key
    try:
        ot = object_type(key)
    except KeyError:
        raise Http404
    if request.method == "POST":
        if not policies.can_manage_permissions(request.user):
            raise DjangoPermissionDenied
        cells = {tuple(v.split(":", 1)) for v in request.POST.getlist("cell") if ":" in v}
        try:
            n = action_permissions_set(actor=request.user, object_type_key=ot.key, allowed=cells)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            if n:
                messages.success(request, _("%(n)d permissions changed for %(type)s.") % {"n": n, "type": ot.label})
            else:
                messages.info(request, _("Nothing changed."))
        return redirect(_type_url(ot.key))
    return render(
        request,
        "org/permissions.html",
        {
            "types": types,
            "current": ot,
            "rows": selectors.permission_matrix(ot.key),
            "can_manage": policies.can_manage_permissions(request.user),
        },
    )


@guard(policies.can_manage_permissions)
@require_POST
def permissions_reset(request):
    key = request.POST.get("type") or None
    if key:
        try:
            object_type(key)
        except KeyError:
            raise Http404
    n = action_permissions_reset(actor=request.user, object_type_key=key)
    messages.success(request, _("Back to the defaults: %(n)d changes undone.") % {"n": n})
    return redirect(_type_url(key) if key else reverse("org:permissions"))


@guard(policies.can_view_permissions)
@require_http_methods(["GET", "POST"])
def scopes(request):
    current = role_scopes()
    form = RoleScopesForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST":
        if not policies.can_manage_permissions(request.user):
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                role_scopes_set(actor=request.user, scopes=form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Data scopes saved."))
                return redirect("org:scopes")
    return render(
        request,
        "org/scopes.html",
        {"form": tabler(form), "can_manage": policies.can_manage_permissions(request.user)},
    )
