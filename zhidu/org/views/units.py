"""The org unit tree: browse, create, edit, move, set the head."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhidu.core.errors import ApplicationError

from .. import policies, selectors
from ..forms import OrgUnitForm
from ..models import OrgUnit
from ..services import org_unit_create, org_unit_update
from ._common import form_error, guard, tabler


@guard(policies.can_view_org)
@require_GET
def units(request):
    return render(
        request,
        "org/units.html",
        {"nodes": selectors.unit_tree(), "can_manage": policies.can_manage_org(request.user)},
    )


def _unit_or_none(pk):
    return OrgUnit.objects.filter(pk=pk).first() if pk else None


@guard(policies.can_manage_org)
@require_http_methods(["GET", "POST"])
def unit_create(request):
    choices = selectors.unit_choices()
    parent_id = request.GET.get("parent")
    initial = {"parent": int(parent_id) if (parent_id or "").isdigit() else None, "is_active": True}
    form = OrgUnitForm(request.POST if request.method == "POST" else None, unit_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = org_unit_create(
                actor=request.user,
                name=d["name"],
                code=d["code"],
                kind=d["kind"],
                parent=_unit_or_none(d["parent"]),
                head=d["head"],
                region_codes=d["region_codes"],
                sort_order=d["sort_order"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("org:units")
    return render(request, "org/unit_form.html", {"form": tabler(form), "unit": None})


@guard(policies.can_manage_org)
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk: int):
    unit = selectors.unit_get(pk=pk)
    # A unit cannot move under itself: its own subtree is not offered (the service refuses
    # it too, for the API and forged forms).
    choices = selectors.unit_choices()
    subtree = set(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    offered = [(i, label) for i, label in choices if i not in subtree]
    initial = {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "head": unit.head_id,
        "sort_order": unit.sort_order,
        "region_codes": ", ".join(unit.region_codes or []),
        "is_active": unit.is_active,
    }
    form = OrgUnitForm(request.POST if request.method == "POST" else None, unit_choices=offered, initial=initial)
    if request.method == "POST":
        # Validate the parent against every unit, so a forged "move under itself" reaches
        # the service and gets its message instead of a bare "not a valid choice".
        cast(forms.ChoiceField, form.fields["parent"]).choices = [("", ""), *choices]
        if form.is_valid():
            d = form.cleaned_data
            try:
                org_unit_update(
                    actor=request.user,
                    unit=unit,
                    name=d["name"],
                    code=d["code"],
                    kind=d["kind"],
                    parent=_unit_or_none(d["parent"]),
                    head=d["head"],
                    region_codes=d["region_codes"],
                    sort_order=d["sort_order"],
                    is_active=d["is_active"],
                )
            except ApplicationError as exc:
                unit.refresh_from_db()
                form_error(form, exc)
            else:
                messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
                return redirect("org:units")
        cast(forms.ChoiceField, form.fields["parent"]).choices = [("", _("(none: top level)")), *offered]
    return render(request, "org/unit_form.html", {"form": tabler(form), "unit": unit})
