"""Public pool pages (公海): the customers lying in my pools (contacts masked), claim,
release with a reason, a manager's assignment, the event log, and the pools themselves."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, visibility
from zhidu.org.views._common import form_error, guard, is_htmx, tabler

from ..filtersets.pool import PoolCustomerFilterSet, PoolEventFilterSet
from ..forms.pool import AssignForm, PoolForm, ReleaseForm
from ..models import Customer, PublicPool
from ..panels import CustomerPanel, register_customer_panel
from ..selectors import pool as sel
from ..selectors.customers import contact_view
from ..services import pool as svc

OT_POOL = "customers.publicpool"


def can_view_pool(user) -> bool:
    return has_perm(user, OT_POOL, Action.VIEW)


def can_manage_pools(user) -> bool:
    return has_perm(user, OT_POOL, Action.CREATE) or has_perm(user, OT_POOL, Action.EDIT)


def _filters(filterset_class, request, select):
    filterset = filterset_class(request.GET or None, request=request)
    try:
        qs = select(filters=request.GET)
        error = ""
    except ValidationError as exc:
        qs = select(filters={})
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or str(exc.message)
    if "pool" in filterset.form.fields:
        _pool_choices(filterset, request.user)
    return filterset, qs, error


def _pool_choices(filterset, user) -> None:
    """The pool filter as a list of the user's pools rather than a bare id."""
    from django import forms

    pools = [(p.pk, p.name) for p in sel.pool_list(user=user)]
    filterset.form.fields["pool"] = forms.TypedChoiceField(
        label=_("Public pool"), choices=[("", "—"), *pools], required=False, coerce=int
    )


def _rows(customers) -> list[dict]:
    rows = []
    for c in customers:
        contacts = [contact_view(x, masked=True) for x in getattr(c, "pool_contacts", [])[:2]]
        rows.append({"customer": c, "contacts": contacts})
    return rows


@guard(can_view_pool)
@require_GET
def pool_list(request):
    def select(filters):
        return sel.pool_customer_list(user=request.user, filters=filters, request=request)

    filterset, qs, error = _filters(PoolCustomerFilterSet, request, select)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    ctx = {
        "page": page,
        "rows": _rows(page.items),
        "filter_form": tabler(filterset.form),
        "filter_error": error,
        "quota": sel.claim_quota(user=request.user),
        "can_claim": has_perm(request.user, OT_POOL, Action.CLAIM),
        "can_assign": has_perm(request.user, OT_POOL, Action.ASSIGN),
        "can_manage": can_manage_pools(request.user),
    }
    template = "customers/pool/partials/pool_results.html" if is_htmx(request) else "customers/pool/pool_list.html"
    return render(request, template, ctx)


@guard(can_view_pool)
@require_POST
def pool_claim(request, pk: int):
    try:
        c = svc.customer_claim(actor=request.user, customer=pk)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(request.POST.get("next") or reverse("customers:pool_list"))
    messages.success(
        request,
        _("%(name)s is yours now, protected until %(date)s.")
        % {"name": c.name, "date": f"{c.protected_until:%Y-%m-%d}" if c.protected_until else "—"},
    )
    return redirect("customers:customer_detail", pk=c.pk)


def _people_in_scope(user):
    """Active people the manager may give customers to (their data scope)."""
    from django.db.models import Q

    from zhidu.org.models import Post

    vis = visibility(user, "customers.customer", Action.VIEW)
    people = User.objects.filter(is_active=True)
    if vis.everything:
        return people.order_by("full_name", "username")
    q = Q(pk__in=sorted(vis.user_ids))
    posts = Post.objects.active()
    unit_q = Q(pk__in=[])
    if vis.unit_ids:
        unit_q |= Q(unit_id__in=sorted(vis.unit_ids))
    for p in sorted(vis.unit_paths):
        unit_q |= Q(unit__path__startswith=p)
    q |= Q(pk__in=posts.filter(unit_q).values("user_id"))
    return people.filter(q).order_by("full_name", "username")


@guard(lambda u: has_perm(u, OT_POOL, Action.ASSIGN))
@require_http_methods(["GET", "POST"])
def pool_assign(request, pk: int):
    customer = sel.pool_customer_get(user=request.user, pk=pk)
    form = AssignForm(request.POST or None, people=_people_in_scope(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            c = svc.customer_assign_from_pool(
                actor=request.user, customer=customer, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was given to %(user)s.") % {"name": c.name, "user": c.owner})
            return redirect("customers:pool_list")
    return render(request, "customers/pool/assign.html", {"customer": customer, "form": tabler(form)})


@guard(lambda u: u.is_authenticated)
@require_http_methods(["GET", "POST"])
def pool_release(request, customer_pk: int):
    customer = get_object_or_404(
        Customer.objects.alive().visible_to(request.user, Action.VIEW).select_related("owner"), pk=customer_pk
    )
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            c = svc.customer_release(actor=request.user, customer=customer, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s went to %(pool)s.") % {"name": c.name, "pool": c.pool})
            return redirect("customers:pool_list")
    return render(request, "customers/pool/release.html", {"customer": customer, "form": tabler(form)})


@guard(can_view_pool)
@require_GET
def pool_events(request):
    def select(filters):
        return sel.pool_event_list(user=request.user, filters=filters, request=request)

    filterset, qs, error = _filters(PoolEventFilterSet, request, select)
    page = paginate(qs, request.GET.get("page", 1), per_page=50)
    ctx = {"page": page, "filter_form": tabler(filterset.form), "filter_error": error}
    template = "customers/pool/partials/event_results.html" if is_htmx(request) else "customers/pool/events.html"
    return render(request, template, ctx)


@guard(can_view_pool)
@require_http_methods(["GET", "POST"])
def pool_admin(request):
    form = PoolForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, OT_POOL, Action.CREATE):
            messages.error(request, _("You may not create public pools."))
            return redirect("customers:pool_admin")
        if form.is_valid():
            try:
                svc.pool_create(actor=request.user, name=form.cleaned_data["name"], unit=form.cleaned_data["unit"])
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Pool created."))
                return redirect("customers:pool_admin")
    pools = sel.pool_list(user=request.user)
    return render(
        request,
        "customers/pool/pools.html",
        {
            "pools": pools,
            "form": tabler(form),
            "can_create": has_perm(request.user, OT_POOL, Action.CREATE),
            "can_edit": has_perm(request.user, OT_POOL, Action.EDIT),
        },
    )


@guard(lambda u: has_perm(u, OT_POOL, Action.EDIT))
@require_http_methods(["GET", "POST"])
def pool_edit(request, pk: int):
    pool = get_object_or_404(PublicPool.objects.select_related("unit"), pk=pk)
    form = PoolForm(request.POST or None, initial={"name": pool.name, "unit": pool.unit, "is_active": pool.is_active})
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            svc.pool_update(
                actor=request.user, pool=pool, name=form.cleaned_data["name"], is_active=form.cleaned_data["is_active"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Pool saved."))
            return redirect("customers:pool_admin")
    return render(request, "customers/pool/pool_edit.html", {"pool": pool, "form": tabler(form)})


def _actions_context(request, customer) -> dict | None:
    """Claim (in a pool), check in and release (held) on the customer page's header."""
    from ..services.activities import customer_may_log

    user = request.user
    if customer.deleted_at is not None:
        return None
    if customer.pool_id is not None:
        ctx = {"can_claim": has_perm(user, OT_POOL, Action.CLAIM)}
    else:
        ctx = {
            "can_check_in": customer_may_log(user, customer),
            "can_release": customer.owner_id is not None
            and (customer.owner_id == user.pk or has_perm(user, "customers.customer", Action.TRANSFER)),
        }
    if not any(ctx.values()):
        return None
    return {"customer_id": customer.pk, **ctx}


register_customer_panel(
    CustomerPanel(
        key="pool_actions",
        template="customers/pool/partials/customer_actions.html",
        context=_actions_context,
        order=10,
        column="actions",
    )
)


urlpatterns = [
    path("pool/", pool_list, name="pool_list"),
    path("pool/events/", pool_events, name="pool_events"),
    path("pool/pools/", pool_admin, name="pool_admin"),
    path("pool/pools/<int:pk>/edit/", pool_edit, name="pool_edit"),
    path("pool/<int:pk>/claim/", pool_claim, name="pool_claim"),
    path("pool/<int:pk>/assign/", pool_assign, name="pool_assign"),
    path("pool/release/<int:customer_pk>/", pool_release, name="pool_release"),
]
