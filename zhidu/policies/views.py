"""Pages for policies. Views parse input, call services and selectors and render; the
rules (who may, what is valid, what is in force) live in services and selectors."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhidu.core.errors import ApplicationError, NotFound
from zhidu.core.pagination import paginate

from . import selectors, services
from .choices import VersionStatus
from .documents import document_diff, document_normalise, document_parse_text, kind_get, schema_fields
from .filtersets import PolicyVersionFilterSet
from .forms import ClosureForm, DraftCreateForm, DraftEditForm, PublishForm, RetireForm
from .permissions import can_edit_policies, can_view_policies


def _guard(check):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise DjangoPermissionDenied(_("You may not see or change the company's policies."))
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                from django.http import Http404

                raise Http404(str(exc.message))

        return wrapped

    return decorator


view_required = _guard(can_view_policies)
edit_required = _guard(can_edit_policies)


def _fail(request, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))
    for field, errs in exc.fields.items():
        for e in errs:
            if e != str(exc.message):
                messages.error(request, f"{field}: {e}")


@view_required
def index(request):
    return render(
        request,
        "policies/index.html",
        {
            "kinds": selectors.policy_kind_summaries(),
            "closures": selectors.policy_closures()[:10],
            "closure_form": ClosureForm(),
            "can_edit": can_edit_policies(request.user),
        },
    )


@view_required
def kind_detail(request, kind: str):
    k = kind_get(kind)
    data = request.GET.copy()
    data["kind"] = k.key
    fs = PolicyVersionFilterSet(data=data, queryset=selectors.policy_version_queryset(), request=request)
    qs = fs.qs if fs.is_valid() else selectors.policy_version_queryset().none()
    page = paginate(qs, request.GET.get("page"), per_page=25)
    template = "policies/partials/version_rows.html" if request.headers.get("HX-Request") else "policies/kind.html"
    return render(
        request,
        template,
        {
            "kind": k,
            "filter": fs,
            "page": page,
            "resolved": selectors.policy_resolve(k.key),
            "create_form": DraftCreateForm(kind=k.key),
            "can_edit": can_edit_policies(request.user),
            "fields": schema_fields(k),
        },
    )


@view_required
def version_detail(request, pk: int):
    version = selectors.policy_version_get(pk)
    k = kind_get(version.policy.kind)
    base, diff = selectors.policy_version_diff(version)
    return render(
        request,
        "policies/version.html",
        {
            "version": version,
            "kind": k,
            "ref": selectors.version_ref(version),
            "base": base,
            "diff": diff,
            "document": DraftEditForm.initial_for(version)["document"],
            "publish_form": PublishForm(),
            "retire_form": RetireForm(),
            "can_edit": can_edit_policies(request.user),
            "can_retire": version.status == VersionStatus.PUBLISHED and version.effective_from > _today(),
        },
    )


def _today():
    from django.utils import timezone

    return timezone.localdate()


@edit_required
@require_POST
def draft_create(request, kind: str):
    k = kind_get(kind)
    form = DraftCreateForm(request.POST, kind=k.key)
    if not form.is_valid():
        messages.error(request, _("Choose a unit and a version to start from."))
        return redirect("policies:kind", kind=k.key)
    try:
        draft = services.policy_draft_create(
            actor=request.user, kind=k.key, unit=form.cleaned_data["unit"], based_on=form.cleaned_data["based_on"]
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("policies:kind", kind=k.key)
    messages.success(request, _("Draft created. Edit it, check the differences, then publish it."))
    return redirect("policies:draft_edit", pk=draft.pk)


def _editor_context(version, form, errors=None, diff=None, base=None):
    k = kind_get(version.policy.kind)
    if diff is None and base is None:
        base, diff = selectors.policy_version_diff(version)
    return {
        "version": version,
        "kind": k,
        "ref": selectors.version_ref(version),
        "form": form,
        "errors": errors or {},
        "fields": schema_fields(k),
        "diff": diff,
        "base": base,
    }


@edit_required
def draft_edit(request, pk: int):
    version = selectors.policy_version_get(pk)
    if version.status != VersionStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited. Create a new draft from this version."))
        return redirect("policies:version", pk=version.pk)
    if request.method == "POST":
        form = DraftEditForm(request.POST)
        if form.is_valid():
            try:
                document = document_parse_text(form.cleaned_data["document"])
                services.policy_draft_update(
                    actor=request.user, version=version, document=document, note=form.cleaned_data["note"]
                )
            except ApplicationError as exc:
                ctx = _editor_context(version, form, errors=exc.as_dict())
                return render(request, "policies/draft_edit.html", ctx, status=422)
            messages.success(request, _("Draft saved."))
            return redirect("policies:version", pk=version.pk)
    else:
        form = DraftEditForm(initial=DraftEditForm.initial_for(version))
    return render(request, "policies/draft_edit.html", _editor_context(version, form))


@edit_required
@require_POST
def draft_check(request, pk: int):
    """htmx: validate the editor's text and show the differences, without saving."""
    version = selectors.policy_version_get(pk)
    k = kind_get(version.policy.kind)
    errors, diff, base = None, None, None
    try:
        document = document_normalise(k, document_parse_text(request.POST.get("document", "")))
        base = selectors.policy_version_base(version)
        diff = document_diff(base.as_dict(), document)
    except ApplicationError as exc:
        errors = exc.as_dict()
    return render(
        request, "policies/partials/check.html", {"errors": errors or {}, "diff": diff, "base": base, "checked": True}
    )


@edit_required
@require_POST
def publish(request, pk: int):
    version = selectors.policy_version_get(pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the date the version takes effect."))
        return redirect("policies:version", pk=version.pk)
    try:
        v = services.policy_publish(
            actor=request.user,
            version=version,
            effective_from=form.cleaned_data["effective_from"],
            backdate=form.cleaned_data["backdate"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("policies:version", pk=version.pk)
    later = selectors.policy_later_versions(v, v.effective_from)
    messages.success(request, _("Published: %(ref)s.") % {"ref": selectors.version_ref(v)})
    for other in later:
        messages.warning(
            request,
            _("Version %(n)s, already published, replaces it from %(date)s.")
            % {"n": other.number, "date": other.effective_from.isoformat()},
        )
    return redirect("policies:version", pk=v.pk)


@edit_required
@require_POST
def discard(request, pk: int):
    version = selectors.policy_version_get(pk)
    kind = version.policy.kind
    try:
        services.policy_draft_discard(actor=request.user, version=version)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("policies:version", pk=version.pk)
    messages.success(request, _("Draft discarded."))
    return redirect("policies:kind", kind=kind)


@edit_required
@require_POST
def retire(request, pk: int):
    version = selectors.policy_version_get(pk)
    try:
        services.policy_version_retire(actor=request.user, version=version, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("policies:version", pk=version.pk)
    messages.success(request, _("Version retired; it will not take effect."))
    return redirect("policies:version", pk=version.pk)


@edit_required
@require_POST
def closure_create(request):
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.policy_closure_record(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                closed_through=form.cleaned_data["closed_through"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Period closed."))
    else:
        messages.error(request, _("Enter the last day of the closed period."))
    return redirect(reverse("policies:index") + "#closures")
