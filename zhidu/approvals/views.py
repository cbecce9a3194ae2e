"""Pages: "Waiting for me", "I submitted", "Copied to me", the request with its full
history and action forms (htmx), and delegation settings. Views only read through
selectors and act through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, NotFound
from zhidu.core.pagination import paginate
from zhidu.core.sessions import session_passive

from . import selectors, services
from .filtersets import ApprovalRequestFilterSet, ApprovalTaskFilterSet
from .forms import CommentForm, CopyForm, DecisionForm, DelegationForm, PersonForm
from .registry import describe_object
from .services.engine import load_object

PER_PAGE = 25


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _filtered(request, filterset_class, qs):
    fs = filterset_class(data=request.GET or None, queryset=qs, request=request)
    if request.GET and not fs.is_valid():
        return fs, qs.none()
    return fs, fs.qs


def _get_request(user, pk):
    try:
        return selectors.request_get(user=user, pk=pk)
    except NotFound:
        raise Http404


def _list_page(request, *, tab: str, qs, filterset_class, template: str, partial: str, title: str):
    fs, qs = _filtered(request, filterset_class, qs)
    page = paginate(qs, request.GET.get("page"), per_page=PER_PAGE)
    reqs = [getattr(row, "request", row) for row in page.items]
    descriptions = selectors.describe_requests(reqs)
    for req in reqs:
        setattr(req, "description", descriptions.get(req.pk, {}))  # noqa: B010
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "tab": tab,
        "title": title,
        "filterset": fs,
        "page": page,
        "counts": selectors.approval_counts(user=request.user),
        "query": query.urlencode(),
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "approval-results":
        return render(request, partial, ctx)
    return render(request, template, ctx)


@login_required
@require_GET
def inbox(request):
    return _list_page(
        request,
        tab="inbox",
        qs=selectors.inbox_tasks(user=request.user),
        filterset_class=ApprovalTaskFilterSet,
        template="approvals/inbox.html",
        partial="approvals/partials/task_table.html",
        title=_("Waiting for me"),
    )


@login_required
@require_GET
def submitted(request):
    return _list_page(
        request,
        tab="submitted",
        qs=selectors.submitted_requests(user=request.user),
        filterset_class=ApprovalRequestFilterSet,
        template="approvals/requests.html",
        partial="approvals/partials/request_table.html",
        title=_("I submitted"),
    )


@login_required
@require_GET
def copied(request):
    return _list_page(
        request,
        tab="copied",
        qs=selectors.copied_requests(user=request.user),
        filterset_class=ApprovalRequestFilterSet,
        template="approvals/requests.html",
        partial="approvals/partials/request_table.html",
        title=_("Copied to me"),
    )


@session_passive
@login_required
@require_GET
def badge(request):
    """The count for the navigation badge, loaded by the shell with ``hx-get``."""
    n = selectors.inbox_count(user=request.user)
    return render(request, "approvals/partials/badge.html", {"count": n})


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name) if model else name
    except Exception:  # noqa: BLE001 - a field renamed since the snapshot keeps its key
        return name


def _detail_context(request, req, *, error: str = "", forms: dict | None = None) -> dict:
    rounds = selectors.request_rounds(request=req)
    steps = [s for r in rounds for s in r.steps.all()]
    people = selectors.step_approvers(steps=steps)
    for s in steps:
        setattr(s, "planned", [people[i] for i in s.approver_ids if i in people])  # noqa: B010
    actions = selectors.request_actions(request=req, user=request.user)
    obj = load_object(req)
    model = req.content_type.model_class()
    ctx = {
        "snapshot_rows": [(_field_label(model, key), value) for key, value in req.snapshot.items()],
        "req": req,
        "rounds": rounds,
        "actions": actions,
        "description": describe_object(obj),
        "object_exists": obj is not None,
        "error": error,
        "decision_form": DecisionForm(),
        "comment_form": CommentForm(),
        "person_form": PersonForm(),
        "copy_form": CopyForm(),
    }
    ctx.update(forms or {})
    return ctx


@login_required
@require_GET
def detail(request, pk: int):
    req = _get_request(request.user, pk)
    return render(request, "approvals/detail.html", _detail_context(request, req))


ACTIONS = {"decide", "withdraw", "resubmit", "reassign", "add-approver", "cc"}


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Every button on the request page posts here; the service decides."""
    if action not in ACTIONS:
        raise Http404
    req = _get_request(request.user, pk)
    user = request.user
    error, target = "", req
    forms: dict[str, Form] = {}
    form: Form
    try:
        if action == "decide":
            form = DecisionForm(request.POST)
            forms["decision_form"] = form
            if not form.is_valid():
                raise ApplicationError(_("Choose a decision."))
            services.approval_decide(
                actor=user, request=req, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
            )
            done = {
                "approve": _("Approved."),
                "reject": _("Rejected."),
                "return": _("Returned to the submitter for changes."),
            }[form.cleaned_data["decision"]]
        elif action in ("withdraw", "resubmit"):
            form = CommentForm(request.POST)
            forms["comment_form"] = form
            form.is_valid()
            if action == "withdraw":
                services.approval_withdraw(actor=user, request=req, comment=form.cleaned_data.get("comment", ""))
                done = _("Withdrawn. You can edit the document and submit it again.")
            else:
                target = services.approval_resubmit(actor=user, request=req)
                done = _("Submitted again as round %(round)s.") % {"round": target.round}
        elif action in ("reassign", "add-approver"):
            form = PersonForm(request.POST)
            forms["person_form"] = form
            if not form.is_valid():
                raise ApplicationError(_("Choose a person."))
            person, comment = form.cleaned_data["user"], form.cleaned_data["comment"]
            if action == "reassign":
                services.approval_reassign(actor=user, request=req, to=person, comment=comment)
                done = _("Handed on to %(name)s.") % {"name": person}
            else:
                services.approval_add_approver(actor=user, request=req, user=person, comment=comment)
                done = _("%(name)s was added to this step.") % {"name": person}
        else:
            form = CopyForm(request.POST)
            forms["copy_form"] = form
            if not form.is_valid():
                raise ApplicationError(_("Choose at least one person."))
            services.approval_cc_add(actor=user, request=req, users=list(form.cleaned_data["users"]))
            done = _("Copied in.")
    except ApplicationError as exc:
        error = str(exc.message)
        if not _is_htmx(request):
            messages.error(request, error)
            return redirect("approvals:detail", pk=req.pk)
        req = _get_request(user, req.pk)
        return render(
            request, "approvals/partials/request_body.html", _detail_context(request, req, error=error, forms=forms)
        )

    url = reverse("approvals:detail", args=[target.pk])
    if not _is_htmx(request) or target.pk != req.pk:
        messages.success(request, done)
    if _is_htmx(request):
        if target.pk != req.pk:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        req = _get_request(user, req.pk)
        ctx = _detail_context(request, req)
        ctx["done"] = done
        response = render(request, "approvals/partials/request_body.html", ctx)
        response["HX-Trigger"] = "approvals-changed"  # the navigation badge reloads its count
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request):
    user = request.user
    form = DelegationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_delegation_create(actor=user, **form.cleaned_data)
        except ApplicationError as exc:
            for field, errs in exc.fields.items():
                for err in errs:
                    form.add_error(field if field in form.fields else None, err)
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("approvals:delegations")
    rows = list(selectors.delegations_for(user=user)[:200])
    for row in rows:
        row.in_force = selectors.delegation_in_force(row)
    return render(
        request,
        "approvals/delegations.html",
        {"form": form, "rows": rows, "tab": "delegations", "counts": selectors.approval_counts(user=user)},
    )


@login_required
@require_POST
def delegation_end(request, pk: int):
    try:
        row = selectors.delegation_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404
    try:
        services.approval_delegation_end(actor=request.user, delegation=row)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Delegation ended."))
    return redirect("approvals:delegations")
