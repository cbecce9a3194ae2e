"""离职交接 / 客户转移: one audited batch moving records from a person to a person or a
pool, with a result per row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel

from ..choices import JobStatus, TransferKind


class Transfer(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices, default=TransferKind.TRANSFER)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_pool = models.ForeignKey(
        "customers.PublicPool",
        verbose_name=_("to pool"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    succeeded = models.PositiveIntegerField(_("succeeded"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_user__isnull=True) | models.Q(to_pool__isnull=True), name="transfer_one_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class TransferItem(models.Model):
    """The result for one record (customer, lead, task, approval…) of a transfer."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="items")
    object_type = models.CharField(max_length=64)  # "customers.customer"
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True, default="")
    ok = models.BooleanField(default=False)
    message = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("transfer row")
        verbose_name_plural = _("transfer rows")
        indexes = [models.Index(fields=["object_type", "object_id"], name="transferitem_object_idx")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {'ok' if self.ok else 'failed'}"
