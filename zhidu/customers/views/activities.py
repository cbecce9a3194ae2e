"""Follow-up pages (跟进记录): the list, logging a follow-up with attachments, one
follow-up with managers' comments (点评), the visit check-in from a phone (拜访签到), the
overdue list, activity types (admin), and the development plan panel on the customer page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm, main_unit
from zhidu.org.views._common import form_error, guard, is_htmx, tabler

from ..filtersets.activities import ActivityFilterSet, OverdueFilterSet
from ..forms.activities import ActivityForm, ActivityTypeForm, CheckInForm, CommentForm, PlanForm, StepForm
from ..models import ActivityType, Customer, DevelopmentPlan, DevelopmentStep, Lead
from ..panels import CustomerPanel, register_customer_panel
from ..policies import policy_for
from ..selectors import activities as sel
from ..services import activities as svc

OT = "customers.activity"
OT_TYPE = "customers.activitytype"


def can_view(user) -> bool:
    return has_perm(user, OT, Action.VIEW)


def can_create(user) -> bool:
    return has_perm(user, OT, Action.CREATE)


def _visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.alive().visible_to(request.user, Action.VIEW).select_related("owner", "pool"), pk=pk
    )


# --- list ----------------------------------------------------------------------------------------


@guard(can_view)
@require_GET
def activity_list(request):
    filterset = ActivityFilterSet(request.GET or None, request=request)
    try:
        qs = sel.activity_list(user=request.user, filters=request.GET, request=request)
        error = ""
    except ValidationError as exc:
        qs = sel.activity_list(user=request.user, request=request)
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    ctx = {"page": page, "filter_form": tabler(filterset.form), "filter_error": error}
    template = (
        "customers/activities/partials/activity_results.html"
        if is_htmx(request)
        else "customers/activities/activity_list.html"
    )
    return render(request, template, ctx)


# --- log a follow-up ---------------------------------------------------------------------------------


def _log(request, *, customer: Customer | None, lead: Lead | None, back: str):
    initial = {"occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = ActivityForm(request.POST or None, request.FILES or None, customer=customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = svc.activity_log(
                actor=request.user,
                customer=customer,
                lead=lead,
                type=d["type"],
                content=d["content"],
                outcome=d["outcome"],
                next_step=d["next_step"],
                next_date=d["next_date"],
                occurred_at=d["occurred_at"],
                contact=d.get("contact"),
                attachments=d.get("attachments") or [],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if a.is_valid:
                messages.success(request, _("Follow-up logged: valid."))
            else:
                messages.warning(request, _("Follow-up logged, not valid: %(why)s") % {"why": a.validity_reason})
            return redirect(back)
    policy = policy_for("follow_up", unit=main_unit(request.user))
    return render(
        request,
        "customers/activities/activity_form.html",
        {"form": tabler(form), "customer": customer, "lead": lead, "back": back, "policy": policy.value},
    )


@guard(can_create)
@require_http_methods(["GET", "POST"])
def activity_create(request, customer_pk: int):
    customer = _visible_customer(request, customer_pk)
    return _log(request, customer=customer, lead=None, back=reverse("customers:customer_detail", args=[customer.pk]))


@guard(can_create)
@require_http_methods(["GET", "POST"])
def activity_create_for_lead(request, lead_pk: int):
    lead = get_object_or_404(Lead.objects.visible_to(request.user, Action.VIEW), pk=lead_pk)
    return _log(request, customer=None, lead=lead, back=reverse("customers:activity_list"))


# --- one follow-up, comments ---------------------------------------------------------------------------


@guard(lambda u: u.is_authenticated)
@require_GET
def activity_detail(request, pk: int):
    a = sel.activity_get(user=request.user, pk=pk)
    ctx = {
        "a": a,
        "comments": sel.activity_comments(a),
        "attachments": list(a.attachments.all()),
        "may_comment": svc.activity_may_comment(request.user, a),
        "comment_form": tabler(CommentForm()),
    }
    return render(request, "customers/activities/activity_detail.html", ctx)


@guard(lambda u: u.is_authenticated)
@require_POST
def activity_comment(request, pk: int):
    a = sel.activity_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            svc.activity_comment_add(actor=request.user, activity=a, content=form.cleaned_data["content"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment."))
    return redirect("customers:activity_detail", pk=a.pk)


@guard(lambda u: u.is_authenticated)
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """Attachments and check-in photos are customer data: served only to those who may
    see the follow-up, never from a public media URL."""
    from django.http import FileResponse, Http404

    a = sel.activity_get(user=request.user, pk=pk)
    att = a.attachments.filter(pk=attachment_pk).first()
    if att is None or not att.file:
        raise Http404
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)
    response["Cache-Control"] = "private, no-store"
    return response


@guard(lambda u: u.is_authenticated)
@require_GET
def check_in_photo(request, pk: int):
    from django.http import FileResponse, Http404

    from ..models import VisitCheckIn

    a = sel.activity_get(user=request.user, pk=pk)
    ci = VisitCheckIn.objects.filter(activity=a).first()
    if ci is None or not ci.photo:
        raise Http404
    response = FileResponse(ci.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- visit check-in ----------------------------------------------------------------------------------------


@guard(can_create)
@require_http_methods(["GET", "POST"])
def check_in(request, customer_pk: int):
    customer = _visible_customer(request, customer_pk)
    form = CheckInForm(request.POST or None, request.FILES or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = svc.visit_check_in(
                actor=request.user,
                customer=customer,
                latitude=d["latitude"],
                longitude=d["longitude"],
                accuracy_m=d["accuracy_m"],
                client_time=d["client_time"],
                photo=d["photo"] or None,
                content=d["content"],
                outcome=d["outcome"],
                next_step=d["next_step"],
                next_date=d["next_date"],
                contact=d.get("contact"),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            ci = a.check_in
            if ci.flagged:
                messages.warning(request, _("Checked in, but flagged: %(why)s") % {"why": ci.flag_reason})
            else:
                messages.success(request, _("Checked in at %(name)s.") % {"name": customer.name})
            return redirect("customers:activity_detail", pk=a.pk)
    policy = policy_for("visit", unit=main_unit(request.user))
    return render(
        request,
        "customers/activities/check_in.html",
        {"customer": customer, "form": tabler(form), "policy": policy.value, "server_time": timezone.localtime()},
    )


# --- overdue -----------------------------------------------------------------------------------------------


@guard(can_view)
@require_GET
def overdue(request):
    filterset = OverdueFilterSet(request.GET or None, request=request)
    try:
        qs = sel.overdue_list(user=request.user, filters=request.GET, request=request)
        error = ""
    except ValidationError as exc:
        qs = sel.overdue_list(user=request.user, request=request)
        error = str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    rows = sel.overdue_explain(page.items)
    ctx = {"page": page, "rows": rows, "filter_form": tabler(filterset.form), "filter_error": error}
    template = (
        "customers/activities/partials/overdue_results.html"
        if is_htmx(request)
        else "customers/activities/overdue.html"
    )
    return render(request, template, ctx)


# --- activity types (admin) --------------------------------------------------------------------------------


def can_admin_types(user) -> bool:
    return has_perm(user, OT_TYPE, Action.VIEW) or has_perm(user, OT_TYPE, Action.EDIT)


@guard(can_admin_types)
@require_GET
def activity_types(request):
    return render(
        request,
        "customers/activities/types.html",
        {
            "types": sel.activity_types(active_only=False),
            "can_edit": has_perm(request.user, OT_TYPE, Action.EDIT),
            "can_create": has_perm(request.user, OT_TYPE, Action.CREATE),
        },
    )


@guard(lambda u: has_perm(u, OT_TYPE, Action.CREATE))
@require_http_methods(["GET", "POST"])
def activity_type_create(request):
    form = ActivityTypeForm(request.POST or None, initial={"is_active": True, "counts_as_valid": True})
    if request.method == "POST" and form.is_valid():
        try:
            svc.activity_type_create(actor=request.user, data=form.service_data(creating=True))
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Kind of follow-up added."))
            return redirect("customers:activity_types")
    return render(request, "customers/activities/type_form.html", {"form": tabler(form), "obj": None})


@guard(lambda u: has_perm(u, OT_TYPE, Action.EDIT))
@require_http_methods(["GET", "POST"])
def activity_type_edit(request, pk: int):
    obj = get_object_or_404(ActivityType, pk=pk)
    form = ActivityTypeForm(request.POST or None, instance=obj)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            svc.activity_type_update(actor=request.user, activity_type=obj, data=form.service_data(creating=False))
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Kind of follow-up saved."))
            return redirect("customers:activity_types")
    return render(request, "customers/activities/type_form.html", {"form": tabler(form), "obj": obj})


@guard(lambda u: has_perm(u, OT_TYPE, Action.EDIT))
@require_POST
def activity_type_move(request, pk: int):
    obj = get_object_or_404(ActivityType, pk=pk)
    try:
        svc.activity_type_move(actor=request.user, activity_type=obj, up=request.POST.get("direction") == "up")
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:activity_types")


# --- the panel on the customer page: follow-ups and development plans ----------------------------------


@guard(lambda u: u.is_authenticated)
@require_GET
def activities_panel(request, customer_pk: int):
    """Loaded by htmx into the customer page (``customers/partials/activities_panel.html``)."""
    customer = _visible_customer(request, customer_pk)
    may_log = svc.customer_may_log(request.user, customer)
    ctx = {
        "customer": customer,
        "activities": sel.customer_activities(user=request.user, customer=customer),
        "plans": sel.customer_plans(customer=customer),
        "may_log": may_log,
        "plan_form": tabler(PlanForm()),
        "step_form": tabler(StepForm()),
    }
    return render(request, "customers/activities/partials/panel.html", ctx)


def _back_to(customer_pk: int) -> str:
    return reverse("customers:customer_detail", args=[customer_pk])


@guard(lambda u: u.is_authenticated)
@require_POST
def plan_create(request, customer_pk: int):
    customer = _visible_customer(request, customer_pk)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            svc.development_plan_create(actor=request.user, customer=customer, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Development plan added."))
    else:
        messages.error(request, _("Give the plan a title."))
    return redirect(_back_to(customer.pk))


@guard(lambda u: u.is_authenticated)
@require_POST
def plan_status(request, pk: int):
    plan = get_object_or_404(DevelopmentPlan.objects.select_related("customer"), pk=pk)
    _visible_customer(request, plan.customer_id)
    try:
        svc.development_plan_set_status(actor=request.user, plan=plan, status=request.POST.get("status", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect(_back_to(plan.customer_id))


@guard(lambda u: u.is_authenticated)
@require_POST
def step_add(request, pk: int):
    plan = get_object_or_404(DevelopmentPlan.objects.select_related("customer"), pk=pk)
    _visible_customer(request, plan.customer_id)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            svc.development_step_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Describe the step."))
    return redirect(_back_to(plan.customer_id))


@guard(lambda u: u.is_authenticated)
@require_POST
def step_done(request, pk: int):
    step = get_object_or_404(DevelopmentStep.objects.select_related("plan"), pk=pk)
    try:
        svc.development_step_complete(actor=request.user, step=step, done=request.POST.get("done", "1") == "1")
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    nxt = request.POST.get("next", "")
    if nxt == "my_day":
        return redirect("customers:my_day")
    return redirect(_back_to(step.plan.customer_id))


def _panel_context(request, customer) -> dict | None:
    if customer.deleted_at is not None:
        return None
    return {"customer_id": customer.pk}


register_customer_panel(
    CustomerPanel(
        key="activities", template="customers/partials/activities_panel.html", context=_panel_context, order=20
    )
)


urlpatterns = [
    path("activities/", activity_list, name="activity_list"),
    path("activities/overdue/", overdue, name="activity_overdue"),
    path("activities/new/<int:customer_pk>/", activity_create, name="activity_create"),
    path("activities/new/lead/<int:lead_pk>/", activity_create_for_lead, name="activity_create_for_lead"),
    path("activities/check-in/<int:customer_pk>/", check_in, name="check_in"),
    path("activities/<int:pk>/", activity_detail, name="activity_detail"),
    path("activities/<int:pk>/comment/", activity_comment, name="activity_comment"),
    path("activities/<int:pk>/files/<int:attachment_pk>/", attachment_download, name="activity_attachment"),
    path("activities/<int:pk>/photo/", check_in_photo, name="check_in_photo"),
    path("activities/panel/<int:customer_pk>/", activities_panel, name="activities_panel"),
    path("activity-types/", activity_types, name="activity_types"),
    path("activity-types/new/", activity_type_create, name="activity_type_create"),
    path("activity-types/<int:pk>/edit/", activity_type_edit, name="activity_type_edit"),
    path("activity-types/<int:pk>/move/", activity_type_move, name="activity_type_move"),
    path("plans/new/<int:customer_pk>/", plan_create, name="plan_create"),
    path("plans/<int:pk>/status/", plan_status, name="plan_status"),
    path("plans/<int:pk>/steps/new/", step_add, name="step_add"),
    path("plans/steps/<int:pk>/done/", step_done, name="step_done"),
]
