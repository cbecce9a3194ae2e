"""Pages for numbering rules: the list with examples, and an admin's edit form with a
live preview. The rules themselves are checked by the services."""

from __future__ import annotations

import dataclasses
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhidu.core.errors import ApplicationError, NotFound

from . import selectors, services
from .forms import NumberingRuleForm
from .permissions import can_edit_numbering, can_view_numbering
from .rules import rule_errors


def _guard(check):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise DjangoPermissionDenied(_("You may not see or change numbering rules."))
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message))

        return wrapped

    return decorator


view_required = _guard(can_view_numbering)
edit_required = _guard(can_edit_numbering)


@view_required
def index(request):
    return render(
        request,
        "numbering/index.html",
        {"rows": selectors.numbering_rule_rows(), "can_edit": can_edit_numbering(request.user)},
    )


@edit_required
def edit(request, key: str):
    spec = selectors.numbering_rule(key)
    if request.method == "POST":
        form = NumberingRuleForm(request.POST)
        if form.is_valid():
            try:
                services.numbering_rule_update(actor=request.user, key=key, **form.cleaned_data)
            except ApplicationError as exc:
                for field, errs in exc.fields.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
                if not exc.fields:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Numbering rule saved; it applies to the next number."))
                return redirect("numbering:index")
        status = 422
    else:
        form = NumberingRuleForm(initial=NumberingRuleForm.initial_for(spec))
        status = 200
    return render(
        request,
        "numbering/edit.html",
        {"spec": spec, "form": form, "example": _example(spec), "last": selectors.numbering_counter_value(key)},
        status=status,
    )


def _example(spec) -> str:
    return spec.format(7, timezone.localdate())


@edit_required
def preview(request, key: str):
    """htmx: the number the form's values would give, or what is wrong with them."""
    spec = selectors.numbering_rule(key)
    data = {k: request.GET.get(k, "") for k in ("prefix", "date_part", "width", "reset", "separator")}
    width = int(data["width"]) if data["width"].strip().isdigit() else data["width"]
    errors = rule_errors(
        prefix=data["prefix"].strip(),
        date_part=data["date_part"],
        width=width,
        reset=data["reset"],
        separator=data["separator"],
    )
    example = None
    if not errors:
        example = _example(
            dataclasses.replace(
                spec,
                prefix=data["prefix"].strip(),
                date_part=data["date_part"],
                width=width,
                reset=data["reset"],
                separator=data["separator"],
            )
        )
    return render(request, "numbering/partials/preview.html", {"errors": errors, "example": example})


@edit_required
@require_POST
def reset(request, key: str):
    try:
        services.numbering_rule_reset(actor=request.user, key=key)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("numbering:edit", key=key)
    messages.success(request, _("The default rule applies again."))
    return redirect("numbering:index")
