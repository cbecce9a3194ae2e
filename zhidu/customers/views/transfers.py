"""Transfer pages (客户转移 / 离职交接): the list of transfers with their results per row,
a leaving rep's handover (what they hold, one form to move everything, then the way to
deactivation), and the list's bulk actions (transfer, release, tag, assign) with a result
per row. The customer list includes ``customers/transfers/partials/bulk_buttons.html``
in its bulk-action bar; the buttons post the ticked rows to ``bulk_action`` here."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import form_error, guard, is_htmx, tabler

from ..filtersets.transfers import TransferFilterSet
from ..forms.transfers import BulkActionForm, HandoverForm, HandoverStartForm
from ..models import Customer, Tag
from ..selectors import transfers as sel
from ..services import bulk_actions as bulk
from ..services import transfers as svc

OT = "customers.customer"


def can_transfer(user) -> bool:
    return has_perm(user, OT, Action.TRANSFER)


@guard(lambda u: u.is_authenticated)
@require_GET
def transfer_list(request):
    filterset = TransferFilterSet(request.GET or None, request=request)
    try:
        qs = sel.transfer_list(user=request.user, filters=request.GET, request=request)
        error = ""
    except ValidationError as exc:
        qs = sel.transfer_list(user=request.user, request=request)
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    ctx = {
        "page": page,
        "filter_form": tabler(filterset.form),
        "filter_error": error,
        "can_transfer": can_transfer(request.user),
    }
    template = (
        "customers/transfers/partials/transfer_results.html"
        if is_htmx(request)
        else "customers/transfers/transfer_list.html"
    )
    return render(request, template, ctx)


@guard(lambda u: u.is_authenticated)
@require_GET
def transfer_detail(request, pk: int):
    transfer = sel.transfer_get(user=request.user, pk=pk)
    failed_only = request.GET.get("failed") == "1"
    page = paginate(sel.transfer_items(transfer, failed_only=failed_only), request.GET.get("page", 1), per_page=100)
    return render(
        request,
        "customers/transfers/transfer_detail.html",
        {"transfer": transfer, "page": page, "failed_only": failed_only},
    )


# --- handover -------------------------------------------------------------------------------


def _handover_run(request, form, person):
    """Run the handover the form describes; the response, or None (errors on the form)."""
    d = form.cleaned_data
    try:
        transfer = svc.customer_handover(
            actor=request.user,
            from_user=person,
            to_user=d["to_user"],
            to_pool=d["to_pool"],
            reason=d["reason"],
            include=form.include(),
        )
    except ApplicationError as exc:
        form_error(form, exc)
        return None
    if transfer.failed:
        messages.warning(
            request,
            _("%(ok)d moved, %(failed)d could not be moved: see the reasons below.")
            % {"ok": transfer.succeeded, "failed": transfer.failed},
        )
    else:
        messages.success(request, _("Everything %(name)s held was moved.") % {"name": person})
    return redirect("customers:transfer_detail", pk=transfer.pk)


@guard(can_transfer)
@require_http_methods(["GET", "POST"])
def handover_list(request):
    """The people of my units and what they hold, and one form: whose records go to whom."""
    people = svc.people_in_scope(request.user)
    form = HandoverStartForm(request.POST or None, people=people, pools=svc.pools_for(request.user))
    if request.method == "POST" and form.is_valid():
        response = _handover_run(request, form, form.cleaned_data["from_user"])
        if response is not None:
            return response
    return render(
        request,
        "customers/transfers/handover_list.html",
        {"rows": sel.handover_people(user=request.user), "form": tabler(form)},
    )


@guard(can_transfer)
@require_http_methods(["GET", "POST"])
def handover(request, user_pk: int):
    """One leaving rep: counts of what they hold, one form to move everything, and the
    way to deactivation once nothing is left."""
    person = get_object_or_404(User, pk=user_pk)
    if not svc.person_in_scope(request.user, person):
        raise_not_in_scope()
    form = HandoverForm(
        request.POST or None,
        people=svc.people_in_scope(request.user).exclude(pk=person.pk),
        pools=svc.pools_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        response = _handover_run(request, form, person)
        if response is not None:
            return response
    summary = sel.handover_summary(person=person)
    try:
        deactivate_url = reverse("org:user_deactivate", args=[person.pk])
    except Exception:  # the org pages are not installed
        deactivate_url = ""
    from zhidu.org import policies as org_policies

    return render(
        request,
        "customers/transfers/handover.html",
        {
            "person": person,
            "summary": summary,
            "form": tabler(form),
            "deactivate_url": deactivate_url if org_policies.can_manage_org(request.user) else "",
        },
    )


def raise_not_in_scope():
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied(_("This person does not work in your units."))


# --- bulk actions -----------------------------------------------------------------------------


def _bulk_actions_for(user) -> list[tuple[str, str]]:
    allowed = {
        bulk.BULK_TRANSFER: has_perm(user, OT, Action.TRANSFER),
        bulk.BULK_RELEASE: True,  # the owner releases their own; managers with transfer any in scope
        bulk.BULK_TAG: has_perm(user, OT, Action.EDIT),
        bulk.BULK_ASSIGN: has_perm(user, "customers.publicpool", Action.ASSIGN),
    }
    return [(k, label) for k, label in bulk.bulk_action_choices() if allowed[k]]


def _selected_ids(request) -> list[int]:
    raw = request.POST.getlist("ids") or request.GET.getlist("ids")
    return sorted({int(x) for x in raw if str(x).isdigit()})[: svc.MAX_ROWS]


@guard(lambda u: has_perm(u, OT, Action.VIEW))
@require_http_methods(["GET", "POST"])
def bulk_action(request):
    """The rows ticked on the customer list, the action and its target; running it shows
    the result per row. A POST from the list's buttons (``confirm`` absent) only shows
    this page with the action preselected."""
    ids = _selected_ids(request)
    actions = _bulk_actions_for(request.user)
    customers = list(
        Customer.objects.alive()
        .visible_to(request.user, Action.VIEW)
        .filter(pk__in=ids)
        .select_related("owner", "pool")
    )
    confirming = request.method == "POST" and request.POST.get("confirm") == "1"
    form = BulkActionForm(
        request.POST if confirming else None,
        initial={
            "action": request.POST.get("action") or request.GET.get("action") or (actions[0][0] if actions else "")
        },
        actions=actions,
        people=svc.people_in_scope(request.user),
        pools=svc.pools_for(request.user),
        tags=Tag.objects.filter(is_active=True, group__is_active=True).select_related("group"),
    )
    if confirming and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = bulk.customer_bulk_action(
                actor=request.user,
                action=d["action"],
                customers=ids,
                reason=d["reason"],
                to_user=d["to_user"],
                to_pool=d["to_pool"],
                tag=d["tag"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(ok)d done, %(failed)d not done.") % {"ok": transfer.succeeded, "failed": transfer.failed},
            )
            return redirect("customers:transfer_detail", pk=transfer.pk)
    if not ids:
        messages.warning(request, _("Select at least one customer."))
        return redirect("customers:customer_list")
    return render(
        request,
        "customers/transfers/bulk.html",
        {"customers": customers, "ids": ids, "form": tabler(form), "next": request.POST.get("next", "")},
    )


urlpatterns = [
    path("transfers/", transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("handover/", handover_list, name="handover"),
    path("handover/<int:user_pk>/", handover, name="handover_person"),
    path("bulk/", bulk_action, name="bulk_action"),
]
