"""撞单申诉: a conflict claim over a customer, with evidence, the policy's proposal and
the decision of the lowest manager above both people (through an approval)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel
from zhidu.numbering.models import NumberedModel

from ..choices import ConflictStatus


def _user_fk(verbose_name, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        **kwargs,
    )


class ConflictClaim(NumberedModel, TimeStampedModel):
    """Numbered when filed (``CC-202611-0001``, rule ``conflict_claim``): a claim is a
    record both sides and the decider refer to; it is withdrawn or voided, never deleted."""

    numbering_key = "conflict_claim"

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="conflict_claims",
        help_text=_("The existing record the claimant's registration collided with."),
    )
    other_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("claimant's record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("When the claimant holds a duplicate record of their own."),
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="+"
    )
    existing_owner = _user_fk(_("existing owner"))
    attempt = models.JSONField(
        _("attempted registration"), default=dict, blank=True, help_text=_("What the claimant tried to register.")
    )
    claimant_first_contact_at = models.DateTimeField(_("claimant's first contact"), null=True, blank=True)
    evidence = models.TextField(_("evidence"))
    status = models.CharField(_("status"), max_length=14, choices=ConflictStatus.choices, default=ConflictStatus.FILED)
    proposed_winner = _user_fk(_("proposed winner"))
    proposal_reason = models.TextField(_("why the policy proposes this"), blank=True, default="")
    policy_version_id = models.BigIntegerField(null=True, blank=True)
    policy_ref = models.CharField(_("policy"), max_length=120, blank=True, default="")
    decider = _user_fk(_("decided by"))
    decided_winner = _user_fk(_("winner"))
    decision_reason = models.TextField(_("reason for the decision"), blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approval_id = models.BigIntegerField(_("approval"), null=True, blank=True)
    credit_to = _user_fk(_("new-customer credit to"))

    class Meta(NumberedModel.Meta):
        verbose_name = _("conflict claim")
        verbose_name_plural = _("conflict claims")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["claimant", "status"], name="conflict_claimant_idx"),
            models.Index(fields=["existing_owner", "status"], name="conflict_owner_idx"),
            models.Index(fields=["status"], name="conflict_status_idx"),
        ]

    def __str__(self) -> str:
        prefix = f"{self.number} " if self.number else ""
        return f"{prefix}{self.customer} · {self.claimant}"


class ConflictEvidence(models.Model):
    claim = models.ForeignKey(ConflictClaim, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="customers/conflicts/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name
