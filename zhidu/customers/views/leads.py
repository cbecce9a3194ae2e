"""Lead pages (线索): the list (filters, search, pagination, bulk assignment for managers),
a new lead, the lead page (details, the qualification checklist, status actions, the
allocation explanation "why did I get this?", follow-ups), conversion into a customer with
the live duplicate check, and a manager's assignment."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, NotFound, ValidationError
from zhidu.core.filters import filters_beyond_search
from zhidu.core.masking import email_for, phone_for
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, Post, User
from zhidu.org.permissions import active_posts, has_perm, user_roles, visibility
from zhidu.org.views._common import form_error, guard, is_htmx, tabler

from ..choices import LeadStatus
from ..filtersets.leads import LeadFilterSet
from ..forms.leads import ASSIGN_CHOICES, AssignForm, ChecklistForm, ConvertForm, DisqualifyForm, LeadForm
from ..models import Allocation, Customer, Lead
from ..panels import CustomerPanel, register_customer_panel
from ..policies import policy_for
from ..policies.leads import checklist_missing
from ..selectors import leads as sel
from ..services import allocation as alloc_svc
from ..services import leads as svc
from ..services.duplicates import DuplicateFound

OT = "customers.lead"


def can_view(user) -> bool:
    return has_perm(user, OT, Action.VIEW)


def _next(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


def people_for_assign(user, action: str = Action.ASSIGN):
    """Active people in the units where ``user`` may assign (or, with ``action``, see) leads."""
    vis = visibility(user, OT, action)
    people = User.objects.filter(is_active=True)
    if not vis.allowed:
        return people.none()
    if vis.everything:
        return people.filter(posts__in=Post.objects.active()).distinct().order_by("full_name", "username")
    unit_q = Q(pk__in=[])
    if vis.unit_ids:
        unit_q |= Q(unit_id__in=sorted(vis.unit_ids))
    for p in sorted(vis.unit_paths):
        unit_q |= Q(unit__path__startswith=p)
    ids = Post.objects.active().filter(unit_q).values("user_id")
    return people.filter(Q(pk__in=ids) | Q(pk=user.pk)).order_by("full_name", "username")


def _units_for_create(user):
    """Units a new lead may be for: the creator's own and, with a wider scope, those below."""
    vis = visibility(user, OT, Action.CREATE)
    units = OrgUnit.objects.filter(is_active=True)
    if vis.everything or user.is_superuser:
        return units.order_by("path")
    q = Q(pk__in=[p.unit_id for p in active_posts(user)])
    if vis.unit_ids:
        q |= Q(pk__in=sorted(vis.unit_ids))
    for p in sorted(vis.unit_paths):
        q |= Q(path__startswith=p)
    return units.filter(q).order_by("path")


def _units_in_view(user):
    vis = visibility(user, OT, Action.VIEW)
    units = OrgUnit.objects.filter(is_active=True)
    if vis.everything:
        return list(units.order_by("path"))
    q = Q(pk__in=sorted(vis.unit_ids))
    for p in sorted(vis.unit_paths):
        q |= Q(path__startswith=p)
    return list(units.filter(q).order_by("path"))


def _scope_filters(filterset, user) -> bool:
    """The owner and unit filters as lists of the people and units the user oversees
    rather than bare ids; ``False`` (hide them) for someone who sees only their own."""
    from django import forms

    people = list(people_for_assign(user, Action.VIEW))
    units = _units_in_view(user)
    form = filterset.form
    form.fields["owner"] = forms.TypedChoiceField(
        label=_("Owner"),
        choices=[("", "—"), *((p.pk, p.display_name) for p in people)],
        required=False,
        coerce=int,
    )
    form.fields["unit"] = forms.TypedChoiceField(
        label=_("Unit"),
        choices=[("", "—"), *((u.pk, ("· " * u.depth) + u.name) for u in units)],
        required=False,
        coerce=int,
    )
    return len(people) > 1 or bool(units)


# --- list -----------------------------------------------------------------------------------


@guard(can_view)
@require_GET
def lead_list(request):
    filterset = LeadFilterSet(request.GET or None, request=request)
    try:
        qs = sel.lead_list(user=request.user, filters=request.GET, request=request)
        error = ""
    except ValidationError as exc:
        qs = sel.lead_list(user=request.user, request=request)
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    can_assign = has_perm(request.user, OT, Action.ASSIGN)
    rows = [
        {
            "lead": x,
            "phone": phone_for(request.user, OT, x.phone),
            "overdue": x.first_touched_at is None
            and x.first_response_due is not None
            and x.status in svc.OPEN
            and x.first_response_due <= timezone.now(),
        }
        for x in page.items
    ]
    scope_filters = _scope_filters(filterset, request.user) if not is_htmx(request) else False
    ctx = {
        "page": page,
        "rows": rows,
        "scope_filters": scope_filters,
        "filter_form": tabler(filterset.form),
        "filter_error": error,
        "more_filters_set": filters_beyond_search(filterset),
        "can_create": has_perm(request.user, OT, Action.CREATE),
        "can_assign": can_assign,
        "people": list(people_for_assign(request.user)) if can_assign else [],
        "ordering": request.GET.get("ordering", ""),
    }
    template = "customers/leads/partials/lead_results.html" if is_htmx(request) else "customers/leads/lead_list.html"
    return render(request, template, ctx)


@guard(lambda u: has_perm(u, OT, Action.ASSIGN))
@require_POST
def lead_bulk_assign(request):
    back = _next(request, reverse("customers:lead_list"))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if not ids:
        messages.warning(request, _("Select some leads first."))
        return redirect(back)
    target = request.POST.get("to", "")
    to = None
    if target != "auto":
        to = people_for_assign(request.user).filter(pk=int(target) if target.isdigit() else 0).first()
        if to is None:
            messages.error(request, _("Choose a person in your units, or the automatic turn."))
            return redirect(back)
    visible = set(sel.lead_list(user=request.user).filter(pk__in=ids).values_list("pk", flat=True))
    results = alloc_svc.lead_assign_bulk(
        actor=request.user, lead_ids=[i for i in ids if i in visible], to=to, reason=request.POST.get("reason", "")
    )
    ok = sum(1 for r in results if r.ok)
    failed = [r for r in results if not r.ok]
    if ok:
        messages.success(request, _("%(n)d leads assigned.") % {"n": ok})
    for r in failed[:10]:
        messages.error(request, _("Lead #%(id)d: %(msg)s") % {"id": r.lead_id, "msg": r.message})
    if len(ids) > len(visible):
        messages.error(
            request, _("%(n)d of the selected leads are outside your scope.") % {"n": len(ids) - len(visible)}
        )
    return redirect(back)


# --- create, edit -----------------------------------------------------------------------------


def _assign_choices(user):
    choices = list(ASSIGN_CHOICES)
    if not user_roles(user) and not user.is_superuser:
        choices = [c for c in choices if c[0] != "self"]
    return choices


def _assign_value(request, value: str):
    if value.startswith("user:"):
        pk = value.split(":", 1)[1]
        person = people_for_assign(request.user).filter(pk=int(pk) if pk.isdigit() else 0).first()
        if person is None:
            raise ValidationError(_("Choose a person in your units."), fields={"assign": [_("Not in your units.")]})
        return person
    return value


@guard(lambda u: has_perm(u, OT, Action.CREATE))
@require_http_methods(["GET", "POST"])
def lead_create(request):
    can_assign = has_perm(request.user, OT, Action.ASSIGN)
    alloc_policy = policy_for("allocation")
    default = svc._default_assign(request.user, alloc_policy)
    form = LeadForm(
        request.POST or None,
        units=_units_for_create(request.user),
        assign_choices=_assign_choices(request.user),
        people=people_for_assign(request.user) if can_assign else None,
        initial={"assign": default},
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            lead = svc.lead_create(
                actor=request.user,
                data=form.service_data(),
                unit=form.cleaned_data.get("unit"),
                assign=_assign_value(request, form.cleaned_data.get("assign") or default),
            )
        except svc.LeadDuplicateFound as exc:
            form_error(form, exc)
            duplicates = [m.as_dict() for m in exc.matches]
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if lead.owner_id == request.user.pk:
                messages.success(request, _("Lead saved; it is yours."))
            elif lead.owner_id:
                messages.success(request, _("Lead saved and allocated to %(user)s.") % {"user": lead.owner})
            else:
                messages.success(request, _("Lead saved; it waits for a manager to assign it."))
            matches = getattr(lead, "customer_matches", [])
            if matches:
                messages.warning(
                    request,
                    _("It looks like an existing customer: %(match)s") % {"match": matches[0].describe()},
                )
            if sel.lead_can(request.user, lead, Action.VIEW):
                return redirect("customers:lead_detail", pk=lead.pk)
            return redirect("customers:lead_list")
    return render(
        request, "customers/leads/lead_form.html", {"form": tabler(form), "lead": None, "duplicates": duplicates}
    )


@guard(can_view)
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk, action=Action.EDIT)
    form = LeadForm(request.POST or None, instance=lead)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            svc.lead_update(actor=request.user, lead=lead, data=form.service_data())
        except svc.LeadDuplicateFound as exc:
            form_error(form, exc)
            duplicates = [m.as_dict() for m in exc.matches]
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:lead_detail", pk=lead.pk)
        lead.refresh_from_db()
    return render(
        request, "customers/leads/lead_form.html", {"form": tabler(form), "lead": lead, "duplicates": duplicates}
    )


# --- the lead page ----------------------------------------------------------------------------


def _detail_context(request, lead: Lead, **extra) -> dict:
    user = request.user
    policy = policy_for("lead", unit=lead.owner_unit_id)
    can_edit = sel.lead_can(user, lead, Action.EDIT)
    checklist = extra.pop("checklist", None) or ChecklistForm(items=policy.value.checklist, answers=lead.qualification)
    current = None
    if lead.allocation_id:
        a = Allocation.objects.filter(pk=lead.allocation_id).select_related("assignee", "assigned_by").first()
        current = sel.allocation_for_viewer(a) if a else None
    history = sel.lead_allocations(lead)
    ctx = {
        "lead": lead,
        "phone": phone_for(user, OT, lead.phone),
        "email": email_for(user, OT, lead.email),
        "can_edit": can_edit and lead.status != LeadStatus.CONVERTED,
        "can_assign": sel.lead_can(user, lead, Action.ASSIGN) and lead.status in svc.OPEN,
        "is_open": lead.status in svc.OPEN,
        "checklist": tabler(checklist),
        "missing": checklist_missing(lead.qualification, policy.value),
        "disqualify_form": tabler(extra.pop("disqualify_form", None) or DisqualifyForm()),
        "customer_matches": [m.as_dict() for m in svc.lead_customer_matches(lead)]
        if lead.status != LeadStatus.CONVERTED
        else [],
        "why": current,
        "history": history,
        "activities": sel.lead_activities(lead),
        "can_convert": can_edit and lead.status in svc.OPEN and lead.owner_id is not None,
        "convert_needs_qualified": policy.value.convert_requires_qualified,
        "overdue": lead.first_touched_at is None
        and lead.first_response_due is not None
        and lead.status in svc.OPEN
        and lead.first_response_due <= timezone.now(),
        "can_log": has_perm(user, "customers.activity", Action.CREATE) and can_edit,
    }
    ctx.update(extra)
    return ctx


@guard(can_view)
@require_GET
def lead_detail(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk)
    return render(request, "customers/leads/lead_detail.html", _detail_context(request, lead))


@guard(can_view)
@require_POST
def lead_status(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk)
    try:
        svc.lead_status_set(actor=request.user, lead=lead, status=request.POST.get("status", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Status changed."))
    return redirect("customers:lead_detail", pk=pk)


@guard(can_view)
@require_POST
def lead_checklist(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk)
    policy = policy_for("lead", unit=lead.owner_unit_id)
    form = ChecklistForm(request.POST, items=policy.value.checklist, answers=lead.qualification)
    if form.is_valid():
        try:
            if request.POST.get("qualify"):
                svc.lead_qualify(actor=request.user, lead=lead, answers=form.answers(), lead_policy=policy)
                messages.success(request, _("The lead is qualified."))
            else:
                svc.lead_checklist_update(actor=request.user, lead=lead, answers=form.answers(), lead_policy=policy)
                messages.success(request, _("Checklist saved."))
        except ApplicationError as exc:
            form_error(form, exc)
            lead.refresh_from_db()
            return render(
                request, "customers/leads/lead_detail.html", _detail_context(request, lead, checklist=form), status=422
            )
    return redirect("customers:lead_detail", pk=pk)


@guard(can_view)
@require_POST
def lead_disqualify(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            svc.lead_disqualify(
                actor=request.user, lead=lead, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The lead is disqualified."))
            return redirect("customers:lead_detail", pk=pk)
    lead.refresh_from_db()
    return render(
        request, "customers/leads/lead_detail.html", _detail_context(request, lead, disqualify_form=form), status=422
    )


@guard(can_view)
@require_GET
def lead_why(request, pk: int, allocation_pk: int | None = None):
    """ "Why did I get this?" — an allocation's explanation (the current one by default),
    as a partial for htmx or a page."""
    lead = sel.lead_get(user=request.user, pk=pk)
    qs = Allocation.objects.filter(lead=lead).select_related("assignee", "assigned_by")
    a = (
        qs.filter(pk=allocation_pk).first()
        if allocation_pk
        else (qs.filter(pk=lead.allocation_id or 0).first() or qs.first())
    )
    if a is None:
        raise NotFound()
    ctx = {"lead": lead, "why": sel.allocation_for_viewer(a)}
    template = "customers/leads/partials/why.html" if is_htmx(request) else "customers/leads/why.html"
    return render(request, template, ctx)


# --- conversion -------------------------------------------------------------------------------


@guard(can_view)
@require_http_methods(["GET", "POST"])
def lead_convert(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk, action=Action.EDIT)
    customer_defaults = svc.lead_customer_defaults(lead)
    contact_defaults = svc.lead_contact_defaults(lead)
    initial = {
        "mode": "new",
        **customer_defaults,
        "contact_name": contact_defaults["name"],
        "contact_title": contact_defaults["title"],
        "contact_phone": contact_defaults["phone"],
        "contact_email": contact_defaults["email"],
    }
    customers = Customer.objects.alive().filter(owner_id=lead.owner_id).order_by("name")
    form = ConvertForm(request.POST or None, customers=customers, initial=initial)
    duplicates, conflict_url = [], ""
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["mode"] == "attach":
                svc.lead_convert(
                    actor=request.user,
                    lead=lead,
                    customer=form.cleaned_data["customer"],
                    contact_data=form.contact_data(),
                )
            else:
                svc.lead_convert(
                    actor=request.user,
                    lead=lead,
                    customer_data=form.customer_data(),
                    contact_data=form.contact_data(),
                )
        except DuplicateFound as exc:
            form_error(form, exc)
            duplicates = [m.as_dict() for m in exc.matches]
            if not any(m.in_pool or m.in_recycle_bin or m.is_held_by(lead.owner) for m in exc.matches):
                from django.utils.http import urlencode

                d = form.cleaned_data
                params = {
                    k: v
                    for k, v in {
                        "name": d.get("name", ""),
                        "credit_code": d.get("credit_code", ""),
                        "phone": d.get("contact_phone", ""),
                        "email": d.get("contact_email", ""),
                    }.items()
                    if v
                }
                conflict_url = reverse("customers:conflict_create") + "?" + urlencode(params)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            lead.refresh_from_db()
            messages.success(
                request,
                _("The lead is now the customer %(name)s.") % {"name": lead.converted_customer},
            )
            return redirect("customers:customer_detail", pk=lead.converted_customer_id)
    return render(
        request,
        "customers/leads/lead_convert.html",
        {
            "form": tabler(form),
            "lead": lead,
            "duplicates": duplicates,
            "conflict_url": conflict_url,
            "has_customers": customers.exists(),
        },
    )


# --- assignment -------------------------------------------------------------------------------


@guard(lambda u: has_perm(u, OT, Action.ASSIGN))
@require_http_methods(["GET", "POST"])
def lead_assign(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk, action=Action.ASSIGN)
    form = AssignForm(request.POST or None, people=people_for_assign(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            alloc_svc.lead_assign(
                actor=request.user, lead=lead, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Assigned to %(user)s.") % {"user": form.cleaned_data["to"]})
            return redirect("customers:lead_detail", pk=pk)
    return render(request, "customers/leads/lead_assign.html", {"lead": lead, "form": tabler(form)})


@guard(lambda u: has_perm(u, OT, Action.ASSIGN))
@require_POST
def lead_allocate(request, pk: int):
    lead = sel.lead_get(user=request.user, pk=pk, action=Action.ASSIGN)
    try:
        a = alloc_svc.lead_allocate(actor=request.user, lead=lead)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if a is None:
            messages.warning(request, _("Nobody could take the lead; see the audit log for why, or assign it by hand."))
        else:
            messages.success(request, _("Allocated to %(user)s.") % {"user": a.assignee})
    return redirect("customers:lead_detail", pk=pk)


# --- the customer page: leads converted into it --------------------------------------------------


def _customer_leads_panel(request, customer):
    if not has_perm(request.user, OT, Action.VIEW):
        return None
    leads = list(
        Lead.objects.filter(converted_customer=customer).select_related("owner").order_by("-converted_at")[:10]
    )
    if not leads:
        return None
    return {"leads": [x for x in leads if sel.lead_can(request.user, x, Action.VIEW)]}


register_customer_panel(
    CustomerPanel(
        key="leads.converted",
        template="customers/leads/partials/customer_panel.html",
        context=_customer_leads_panel,
        order=60,
        column="side",
    )
)


urlpatterns = [
    path("leads/", lead_list, name="lead_list"),
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/bulk-assign/", lead_bulk_assign, name="lead_bulk_assign"),
    path("leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("leads/<int:pk>/status/", lead_status, name="lead_status"),
    path("leads/<int:pk>/checklist/", lead_checklist, name="lead_checklist"),
    path("leads/<int:pk>/disqualify/", lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", lead_convert, name="lead_convert"),
    path("leads/<int:pk>/assign/", lead_assign, name="lead_assign"),
    path("leads/<int:pk>/allocate/", lead_allocate, name="lead_allocate"),
    path("leads/<int:pk>/why/", lead_why, name="lead_why"),
    path("leads/<int:pk>/why/<int:allocation_pk>/", lead_why, name="lead_why_allocation"),
]
