"""Import jobs (customers, contacts, leads from CSV/XLSX) and the export log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel

from ..choices import ExportStatus, ImportEncoding, ImportKind, JobStatus


class ImportJob(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="customers/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, blank=True, default="")
    encoding = models.CharField(
        _("encoding"), max_length=10, choices=ImportEncoding.choices, default=ImportEncoding.AUTO
    )
    sheet = models.CharField(_("sheet"), max_length=100, blank=True, default="")
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_rows = models.PositiveIntegerField(_("created"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rejected"), default=0)
    rejected_file = models.FileField(_("rejected rows"), upload_to="customers/imports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    progress_ref = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or f"#{self.pk}"


class ExportLog(models.Model):
    """Every export (also in the access log): who, what, how many rows, the watermark.
    An export over the ``export`` policy's cap is a row ``status=pending`` that goes
    through an approval; when approved the file is built (``file``) and the requester told."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)
    file_format = models.CharField(_("format"), max_length=10, default="csv")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    watermark = models.CharField(_("watermark"), max_length=200, blank=True, default="")
    approval_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.DONE)
    reason = models.TextField(_("reason"), blank=True, default="")
    file = models.FileField(_("file"), upload_to="customers/exports/%Y/%m/", blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"], name="exportlog_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.at:%Y-%m-%d %H:%M}"
