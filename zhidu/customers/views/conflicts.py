"""Conflict claim pages (撞单申诉): file one from a refused registration, read it (both
sides and the decider), decide it when it is not routed through an approval, withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, NotFound
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import form_error, guard, tabler

from ..forms.customers import ConflictClaimForm, ConflictDecideForm
from ..models import ConflictClaim, Customer
from ..services.conflicts import conflict_claim_decide, conflict_claim_file, conflict_claim_withdraw, conflict_claims_q

OT = "customers.conflictclaim"


def _claims(user):
    qs = ConflictClaim.objects.select_related(
        "customer", "claimant", "existing_owner", "proposed_winner", "decider", "decided_winner"
    )
    if user.is_superuser:
        return qs
    return qs.filter(conflict_claims_q(user) | Q(customer__in=Customer.objects.visible_to(user, Action.VIEW)))


def _claim(user, pk: int) -> ConflictClaim:
    claim = _claims(user).filter(pk=pk).first()
    if claim is None:
        raise NotFound()
    return claim


@guard(lambda u: has_perm(u, OT, Action.VIEW))
@require_GET
def conflict_list(request):
    claims = _claims(request.user).order_by("-created_at")[:200]
    return render(request, "customers/conflict_list.html", {"claims": claims})


@guard(lambda u: has_perm(u, OT, Action.CREATE))
@require_http_methods(["GET", "POST"])
def conflict_create(request):
    initial = {k: request.GET.get(k, "") for k in ("name", "credit_code", "phone", "email")}
    form = ConflictClaimForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            claim = conflict_claim_file(
                actor=request.user,
                attempt={k: d[k] for k in ("name", "credit_code", "phone", "email")},
                evidence=d["evidence"],
                claimant_first_contact_at=d["claimant_first_contact_at"],
                files=request.FILES.getlist("files"),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Your conflict claim is filed; %(who)s decides it.") % {"who": claim.decider or "—"}
            )
            return redirect("customers:conflict_detail", pk=claim.pk)
    return render(request, "customers/conflict_form.html", {"form": tabler(form)})


@guard(lambda u: u.is_authenticated)
@require_GET
def conflict_detail(request, pk: int):
    claim = _claim(request.user, pk)
    can_decide = (
        claim.status in ("filed", "under_review")
        and not claim.approval_id
        and (request.user.pk == claim.decider_id or request.user.is_superuser)
    )
    return render(
        request,
        "customers/conflict_detail.html",
        {
            "claim": claim,
            "files": claim.files.all(),
            "can_decide": can_decide,
            "can_withdraw": claim.claimant_id == request.user.pk and claim.status in ("filed", "under_review"),
            "decide_form": tabler(ConflictDecideForm()) if can_decide else None,
        },
    )


@guard(lambda u: u.is_authenticated)
@require_POST
def conflict_decide(request, pk: int):
    claim = _claim(request.user, pk)
    form = ConflictDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the winner and give a reason."))
        return redirect("customers:conflict_detail", pk=pk)
    winner = claim.claimant if form.cleaned_data["winner"] == "claimant" else claim.existing_owner
    try:
        conflict_claim_decide(actor=request.user, claim=claim, winner=winner, reason=form.cleaned_data["reason"])
        messages.success(request, _("Decided."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:conflict_detail", pk=pk)


@guard(lambda u: u.is_authenticated)
@require_POST
def conflict_withdraw(request, pk: int):
    claim = _claim(request.user, pk)
    try:
        conflict_claim_withdraw(actor=request.user, claim=claim)
        messages.success(request, _("Your claim is withdrawn."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:conflict_detail", pk=pk)


urlpatterns = [
    path("conflicts/", conflict_list, name="conflict_list"),
    path("conflicts/new/", conflict_create, name="conflict_create"),
    path("conflicts/<int:pk>/", conflict_detail, name="conflict_detail"),
    path("conflicts/<int:pk>/decide/", conflict_decide, name="conflict_decide"),
    path("conflicts/<int:pk>/withdraw/", conflict_withdraw, name="conflict_withdraw"),
]
