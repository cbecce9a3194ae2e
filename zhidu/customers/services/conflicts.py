"""撞单申诉: conflict claims.

A rep whose registration was refused because another person holds the customer files a
claim with evidence. The ``conflict`` policy proposes the winner — an earlier
registration still within its protection period, else the latest valid follow-up — and
the lowest manager above both people decides through an approval: approving accepts the
proposal, rejecting gives the customer to the other side. Both see the decision and the
reason; it is audited and decides who gets the new-customer credit.

The claimant usually may not see the existing record, so a claim is filed against the
*attempt* (the name, credit code, phones they tried to register): the service finds the
record again with the duplicate check, and the claimant learns nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, User
from zhidu.org.permissions import has_perm, main_unit

from ..choices import ConflictStatus
from ..models import Activity, ConflictClaim, ConflictEvidence, Customer, Lead
from ..policies import policy_for
from ..policies.customers import Side, conflict_propose, protected_until_on_receipt
from .duplicates import find_duplicates

logger = logging.getLogger(__name__)
OT = "customers.conflictclaim"
OPEN = (ConflictStatus.FILED, ConflictStatus.UNDER_REVIEW)
ATTEMPT_KEYS = ("name", "credit_code", "phone", "email")


def conflict_decider(a: User, b: User | None) -> User | None:
    """The lowest manager above both people: the head of their lowest common unit, or of
    the nearest unit above it whose head is neither of them and is active."""
    ua = main_unit(a)
    ub = main_unit(b) if b is not None else ua
    if ua is None or ub is None:
        return None
    chain_a, chain_b = ua.ancestor_ids(), ub.ancestor_ids()
    common = [u for u in chain_a if u in set(chain_b)]
    if not common:
        return None
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=common).select_related("head")}
    for unit_id in reversed(common):
        unit = units.get(unit_id)
        head = unit.head if unit is not None else None
        if head is None or not head.is_active:
            continue
        if head.pk in (a.pk, getattr(b, "pk", None)):
            continue
        return head
    return None


def _claimant_side(claimant: User, customer: Customer, other: Customer | None, first_contact_at) -> Side:
    if other is not None:
        return Side(
            user_id=claimant.pk,
            registered_at=other.received_at or other.created_at,
            protected_until=other.protected_until,
            last_valid_follow_up_at=other.last_valid_follow_up_at,
        )
    # No record of their own: their valid follow-ups on leads of the same firm count.
    leads = Lead.objects.filter(owner=claimant, name_normalized=customer.name_normalized)
    last = Activity.objects.filter(lead__in=leads, owner=claimant, is_valid=True).aggregate(m=Max("occurred_at"))["m"]
    return Side(user_id=claimant.pk, registered_at=first_contact_at, protected_until=None, last_valid_follow_up_at=last)


def _find_target(actor: User, attempt: dict[str, Any]) -> Customer:
    matches = find_duplicates(
        name=attempt.get("name", ""),
        credit_code=attempt.get("credit_code", ""),
        phones=[attempt.get("phone", "")],
        emails=[attempt.get("email", "")],
    )
    if not matches:
        raise NotFound(_("No existing customer matches what you tried to register: register it instead."))
    m = matches[0]
    if m.in_recycle_bin:
        raise Conflict(_("The matching customer is in the recycle bin: ask an administrator to restore it."))
    if m.in_pool:
        raise Conflict(_("The matching customer is in the public pool: claim it there instead."))
    if m.is_held_by(actor):
        raise Conflict(_("You already hold this customer."))
    return Customer.objects.select_for_update().get(pk=m.customer_id)


@transaction.atomic
def conflict_claim_file(
    *,
    actor: User,
    attempt: dict[str, Any],
    evidence: str,
    claimant_first_contact_at: dt.datetime | None = None,
    other_customer: Customer | None = None,
    files: list | None = None,
    policy=None,
) -> ConflictClaim:
    """File a conflict claim over the customer that ``attempt`` collided with, and send it
    to the lowest manager above both people for a decision."""
    if not has_perm(actor, OT, Action.CREATE):
        raise PermissionDenied(_("You may not file conflict claims."))
    attempt = {k: str(attempt.get(k, "") or "").strip() for k in ATTEMPT_KEYS}
    if not any(attempt.values()):
        raise ValidationError(_("Say what you tried to register."), fields={"name": [_("This field is required.")]})
    policy = policy or policy_for("conflict", unit=main_unit(actor))
    evidence = (evidence or "").strip()
    if len(evidence) < policy.value.min_evidence_chars:
        msg = _("Describe your evidence in at least %(n)d characters: when you first contacted them, how.") % {
            "n": policy.value.min_evidence_chars
        }
        raise ValidationError(msg, fields={"evidence": [msg]})
    if claimant_first_contact_at is not None and claimant_first_contact_at > timezone.now():
        msg = _("The first contact cannot be in the future.")
        raise ValidationError(msg, fields={"claimant_first_contact_at": [msg]})
    if other_customer is not None and other_customer.owner_id != actor.pk:
        raise PermissionDenied(_("You can only put forward a record you hold."))
    customer = _find_target(actor, attempt)
    if ConflictClaim.objects.filter(customer=customer, claimant=actor, status__in=OPEN).exists():
        raise Conflict(_("You already have an open conflict claim on this customer."))
    owner = customer.owner
    existing = Side(
        user_id=customer.owner_id,
        registered_at=customer.received_at or customer.created_at,
        protected_until=customer.protected_until,
        last_valid_follow_up_at=customer.last_valid_follow_up_at,
    )
    claimant_side = _claimant_side(actor, customer, other_customer, claimant_first_contact_at)
    winner_id, reason = conflict_propose(existing=existing, claimant=claimant_side, today=timezone.localdate())
    decider = conflict_decider(actor, owner)
    if decider is None:
        raise ValidationError(_("Nobody manages both of you: ask an administrator to set the unit heads."))
    claim = ConflictClaim(
        customer=customer,
        other_customer=other_customer,
        claimant=actor,
        existing_owner=owner,
        attempt=attempt,
        claimant_first_contact_at=claimant_first_contact_at,
        evidence=evidence,
        proposed_winner_id=winner_id,
        proposal_reason=reason,
        policy_version_id=policy.version_id,
        policy_ref=policy.ref[:120],
        decider=decider,
    )
    try:
        claim.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc
    claim.save()
    from zhidu.numbering.services import document_number_assign

    document_number_assign(obj=claim)
    for f in files or []:
        ConflictEvidence.objects.create(
            claim=claim,
            file=f,
            name=getattr(f, "name", "evidence")[:200],
            size=getattr(f, "size", 0) or 0,
            uploaded_by=actor,
        )
    audit_record(actor=actor, action="conflict_claim.file", obj=claim, after=snapshot(claim))
    _submit_for_approval(actor, claim, decider)
    return claim


def _submit_for_approval(actor: User, claim: ConflictClaim, decider: User) -> None:
    """Through the approvals app when it is installed: one step, the decider (或签)."""
    try:
        from zhidu.approvals.policies import ApprovalPolicy, Approver, Flow, FlowStep
        from zhidu.approvals.services import approval_submit
    except ImportError:
        logger.info("approvals app not installed: conflict claim %s is decided directly", claim.pk)
        return
    policy = ApprovalPolicy(
        flows=[
            Flow(
                name="conflict_claim",
                label="Conflict claim",
                steps=[
                    FlowStep(
                        name="Lowest manager above both",
                        who=Approver(kind="users", usernames=[decider.username]),
                    )
                ],
            )
        ]
    )
    request = approval_submit(
        actor=actor,
        obj=claim,
        title=_("Conflict claim: %(customer)s") % {"customer": claim.customer.name},
        unit=main_unit(actor),
        snapshot_fields=["customer", "claimant", "existing_owner", "evidence", "proposed_winner", "proposal_reason"],
        policy=policy,
    )
    ConflictClaim.objects.filter(pk=claim.pk).update(approval_id=request.pk, status=ConflictStatus.UNDER_REVIEW)
    claim.approval_id, claim.status = request.pk, ConflictStatus.UNDER_REVIEW


@transaction.atomic
def conflict_claim_decide(
    *, actor: User, claim: ConflictClaim, winner: User, reason: str, policy=None
) -> ConflictClaim:
    """The decision: ``winner`` (the claimant or the existing owner) keeps or receives the
    customer and, by the policy, the new-customer credit. Called by the approval callback
    (the approver is ``actor``) or, without the approvals app, by the decider directly."""
    claim = ConflictClaim.objects.select_for_update().select_related("customer").get(pk=claim.pk)
    if claim.status not in OPEN:
        raise Conflict(_("This conflict claim was already decided."), code="already_decided")
    if actor.pk != claim.decider_id and not actor.is_superuser:
        raise PermissionDenied(_("Only %(who)s decides this claim.") % {"who": claim.decider})
    if winner.pk not in (claim.claimant_id, claim.existing_owner_id):
        raise ValidationError(_("The winner is either the claimant or the existing owner."))
    reason = (reason or "").strip() or claim.proposal_reason
    policy = policy or policy_for("conflict", unit=claim.customer.owner_unit)
    customer = Customer.objects.select_for_update().get(pk=claim.customer_id)
    before = snapshot(customer)
    now = timezone.now()
    if winner.pk != customer.owner_id:
        if customer.pool_id is not None or customer.deleted_at is not None:
            raise Conflict(_("The customer has left its owner since the claim was filed; the decision cannot move it."))
        from .customers import holding_cap_check

        holding_cap_check(owner=winner)
        protection = policy_for("protection", unit=main_unit(winner))
        customer.owner = winner
        customer.owner_unit = main_unit(winner)
        customer.received_at = now
        customer.protected_until = protected_until_on_receipt(timezone.localdate(now), protection.value)
        customer.extension_count = 0
    if policy.value.credit_to_winner:
        customer.credit_to = winner
    customer.save()
    claim.status = ConflictStatus.DECIDED
    claim.decided_winner = winner
    claim.decision_reason = reason
    claim.decided_at = now
    claim.decider = actor if claim.decider_id is None else claim.decider
    claim.credit_to = winner if policy.value.credit_to_winner else claim.credit_to
    claim.save()
    parent = audit_record(
        actor=actor,
        action="conflict_claim.decide",
        obj=claim,
        changes={"winner": [None, winner.pk], "status": [ConflictStatus.UNDER_REVIEW, ConflictStatus.DECIDED]},
        reason=reason,
    )
    if customer.owner_id != before.get("owner"):
        audit_record(
            actor=actor,
            action="customer.conflict_award",
            obj=customer,
            before=before,
            after=snapshot(customer),
            reason=reason,
            parent=parent,
        )
    _notify(claim)
    return claim


@transaction.atomic
def conflict_claim_withdraw(*, actor: User, claim: ConflictClaim) -> ConflictClaim:
    claim = ConflictClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.claimant_id != actor.pk:
        raise PermissionDenied(_("Only the claimant withdraws a claim."))
    if claim.status not in OPEN:
        raise Conflict(_("This conflict claim was already decided."), code="already_decided")
    if claim.approval_id:
        try:
            from zhidu.approvals.models import ApprovalRequest
            from zhidu.approvals.services import approval_withdraw
        except ImportError:
            pass
        else:
            request = ApprovalRequest.objects.filter(pk=claim.approval_id).first()
            if request is not None and request.status == "pending":
                approval_withdraw(actor=actor, request=request)  # its callback marks the claim
                claim.refresh_from_db()
                return claim
    claim.status = ConflictStatus.WITHDRAWN
    claim.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="conflict_claim.withdraw", obj=claim)
    return claim


EVENT_DECIDED = "customers.conflict_decided"


def register_numbering_rule() -> None:
    from django.utils.translation import gettext_lazy as _l

    from zhidu.numbering.registry import register_numbering

    register_numbering("conflict_claim", _l("Conflict claim"), "CC")


def register_events() -> None:
    from django.utils.translation import gettext_lazy as _l

    from zhidu.notifications.registry import register_event

    register_event(EVENT_DECIDED, _l("A conflict claim I am part of was decided"), ["in_app", "email"])


def _notify(claim: ConflictClaim) -> None:
    """Both sides see the decision and the reason: on the claim page, and as a notification
    written in the decision's transaction (delivery to other channels goes on commit)."""
    from zhidu.notifications.services import notify

    recipients = [u for u in (claim.claimant_id, claim.existing_owner_id) if u]
    notify(
        recipients=recipients,
        event=EVENT_DECIDED,
        title=_("Conflict claim decided: %(customer)s") % {"customer": claim.customer.name},
        body=claim.decision_reason,
        obj=claim,
    )


# --- approval callbacks (registered in apps.ready) ---------------------------------------------


def _last_decision(request) -> tuple[User | None, str]:
    from zhidu.approvals.models import ApprovalTask

    task = (
        ApprovalTask.objects.filter(request=request)
        .exclude(status__in=["pending", "skipped"])
        .select_related("approver")
        .order_by("-decided_at", "-id")
        .first()
    )
    if task is None:
        return None, ""
    return task.approver, getattr(task, "comment", "") or ""


def on_claim_approved(request, claim: ConflictClaim) -> None:
    """Approved: the policy's proposed winner wins."""
    approver, comment = _last_decision(request)
    winner = claim.proposed_winner or claim.existing_owner
    conflict_claim_decide(
        actor=approver or claim.decider, claim=claim, winner=winner, reason=comment or claim.proposal_reason
    )


def on_claim_rejected(request, claim: ConflictClaim) -> None:
    """Rejected: the proposal is overturned — the other side wins."""
    approver, comment = _last_decision(request)
    proposed = claim.proposed_winner_id or claim.existing_owner_id
    winner = claim.claimant if proposed == claim.existing_owner_id else claim.existing_owner
    conflict_claim_decide(
        actor=approver or claim.decider,
        claim=claim,
        winner=winner,
        reason=comment or _("The manager overturned the policy's proposal."),
    )


def on_claim_withdrawn(request, claim: ConflictClaim) -> None:
    ConflictClaim.objects.filter(pk=claim.pk, status__in=OPEN).update(status=ConflictStatus.WITHDRAWN)
    audit_record(actor=request.submitter, action="conflict_claim.withdraw", obj=claim)


def describe_claim(claim: ConflictClaim) -> dict:
    from django.urls import reverse

    return {
        "url": reverse("customers:conflict_detail", args=[claim.pk]),
        "summary": _("%(claimant)s vs %(owner)s over %(customer)s")
        % {"claimant": claim.claimant, "owner": claim.existing_owner, "customer": claim.customer.name},
        "fields": {
            str(_("Proposed winner")): str(claim.proposed_winner or ""),
            str(_("Why")): claim.proposal_reason,
            str(_("Evidence")): claim.evidence,
        },
    }


def register_approvals() -> None:
    try:
        from zhidu.approvals.registry import register_approvable
    except ImportError:
        return
    register_approvable(
        "customers.conflictclaim",
        on_approved=on_claim_approved,
        on_rejected=on_claim_rejected,
        on_withdrawn=on_claim_withdrawn,
        describe=describe_claim,
    )


def conflict_claims_q(user: User) -> Q:
    """Claims a person may read: their own, those against them, those they decide."""
    return Q(claimant=user) | Q(existing_owner=user) | Q(decider=user)


__all__ = [
    "conflict_claim_decide",
    "conflict_claim_file",
    "conflict_claim_withdraw",
    "conflict_decider",
]
