"""Policies (制度) stored as versioned, effective-dated JSON documents.

A :class:`Policy` is one kind (``allocation``, ``pool``, …) for the whole company or for
one org unit; its :class:`PolicyVersion` rows are the drafts and publications. A published
version never changes: the services refuse it and a database trigger (migration 0002)
rejects an UPDATE of its content on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import VersionStatus


class Policy(models.Model):
    """One kind for one scope: the company (``unit`` empty) or an org unit and the units
    below it (the nearest ancestor with a version in force wins)."""

    kind = models.CharField(_("kind"), max_length=40)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole company."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["kind", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "unit"], name="policy_kind_unit_uniq"),
            models.UniqueConstraint(fields=["kind"], condition=Q(unit__isnull=True), name="policy_kind_company_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.unit}" if self.unit_id else self.kind


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    effective_from = models.DateField(
        _("effective from"), null=True, blank=True, help_text=_("A date in the business time zone.")
    )
    document = models.JSONField(_("document"), default=dict, blank=True)
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=1)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.TextField(_("reason for retiring"), blank=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        indexes = [models.Index(fields=["policy", "status", "effective_from"], name="policyversion_in_force")]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_number_uniq"),
            # One draft per policy: the editor always knows which draft it is editing.
            models.UniqueConstraint(
                fields=["policy"], condition=Q(status=VersionStatus.DRAFT), name="policyversion_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT) | Q(effective_from__isnull=False),
                name="policyversion_published_has_date",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="policyversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class PolicyClosure(models.Model):
    """A period closed for policy changes (e.g. by the month close): no version may take
    effect on or before ``closed_through``. Rows are only added; the latest date wins.
    ``kind`` empty closes every kind."""

    kind = models.CharField(_("kind"), max_length=40, blank=True, help_text=_("Empty: every kind."))
    closed_through = models.DateField(_("closed through"))
    note = models.TextField(_("note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed policy period")
        verbose_name_plural = _("closed policy periods")
        ordering = ["-closed_through", "-id"]
        indexes = [models.Index(fields=["kind", "closed_through"], name="policyclosure_kind_date")]

    def __str__(self) -> str:
        return f"{self.kind or '*'} ≤ {self.closed_through}"
