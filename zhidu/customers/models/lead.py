"""线索 and 销售机会分配: leads, every allocation with its reasons, fairness figures."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel
from zhidu.org.permissions import OwnedModel, ScopedQuerySet

from ..choices import AllocationMethod, DisqualifyReason, Industry, LeadSource, LeadStatus, Province


class LeadQuerySet(ScopedQuerySet):
    def open(self) -> LeadQuerySet:
        return self.filter(status__in=[LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED])


class Lead(OwnedModel, TimeStampedModel):
    """A lead from a channel. Unassigned leads have no owner. Writes through
    ``zhidu.customers.services.leads`` / ``allocation``."""

    company = models.CharField(_("company"), max_length=200, blank=True, default="")
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True, default="")
    search_text = models.CharField(max_length=1000, editable=False, default="")
    name_normalized = models.CharField(max_length=200, editable=False, blank=True, default="", db_index=True)
    title = models.CharField(_("job title"), max_length=60, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_normalized = models.CharField(max_length=20, editable=False, blank=True, default="", db_index=True)
    email = models.EmailField(_("e-mail"), max_length=200, blank=True, default="")
    email_normalized = models.CharField(max_length=200, editable=False, blank=True, default="", db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True, default="")
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True, default="")
    city = models.CharField(_("city"), max_length=60, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices, blank=True, default="")
    product_line = models.CharField(_("product line"), max_length=60, blank=True, default="")
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER)
    source_detail = models.CharField(
        _("source detail"), max_length=200, blank=True, default="", help_text=_("Which show, who referred, …")
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    status = models.CharField(_("status"), max_length=14, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=14, choices=DisqualifyReason.choices, blank=True, default=""
    )
    disqualify_note = models.CharField(_("disqualification note"), max_length=300, blank=True, default="")
    qualification = models.JSONField(
        _("qualification checklist"), default=dict, blank=True, help_text=_("Checklist item code → answer.")
    )

    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_touched_at = models.DateTimeField(_("first touched at"), null=True, blank=True)
    allocation = models.ForeignKey(
        "customers.Allocation",
        verbose_name=_("current allocation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted to customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("converted to contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    import_job = models.ForeignKey(
        "customers.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar = LeadQuerySet.as_manager()  # ClassVar as on OwnedModel; django-stubs fills in the type

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "first_response_due"], name="lead_status_due_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_status_idx"),
            models.Index(fields=["source"], name="lead_source_idx"),
        ]

    def __str__(self) -> str:
        return self.company or self.contact_name or f"#{self.pk}"


class Allocation(models.Model):
    """One allocation of a lead to a person, with everything that chose them: the policy
    version, the candidates with their load, capacity, match scores and why others were
    skipped, and a sentence the person can read ("why did I get this?")."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="allocations")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="+"
    )
    assignee_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system allocated it."),
    )
    method = models.CharField(_("method"), max_length=10, choices=AllocationMethod.choices)
    policy_version_id = models.BigIntegerField(_("policy version"), null=True, blank=True)
    policy_ref = models.CharField(_("policy"), max_length=120, blank=True, default="")
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    explanation = models.TextField(_("explanation"), blank=True, default="")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["assignee", "at"], name="alloc_assignee_at_idx"),
            models.Index(fields=["assignee_unit", "at"], name="alloc_unit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} → {self.assignee}"


class FairnessSnapshot(models.Model):
    """Fairness figures of one team for one period (000 §1.3 公平、公正、公开): per rep the
    leads received vs capacity, and a dispersion figure (Gini)."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    policy_version_id = models.BigIntegerField(null=True, blank=True)
    rows = models.JSONField(default=list, blank=True)
    gini = models.DecimalField(_("Gini coefficient"), max_digits=6, decimal_places=4, null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fairness snapshot")
        verbose_name_plural = _("fairness snapshots")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_start", "period_end"], name="uniq_fairness_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_start}–{self.period_end}"
