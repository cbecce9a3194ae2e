from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ProgressStatus, RunStatus, RunTrigger


class JobRun(models.Model):
    """One run of a periodic job for one slot (the time it was due).

    ``(job, slot)`` is unique: a scheduler records the run *before* it enqueues the task,
    so when two schedulers reach the same slot at once the second insert fails and that
    scheduler skips the job (DESIGN: Tasks). A manual "run now" takes the current second
    as its slot."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE)
    schedule = models.CharField(_("schedule"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    task_result_id = models.CharField(_("task result id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    rows = models.BigIntegerField(_("rows affected"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-slot", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobs_run_once_per_slot")]
        indexes = [models.Index(fields=["status", "started_at"], name="jobs_run_status_started")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def error_summary(self) -> str:
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


class TaskProgress(models.Model):
    """How far a long task has got: a page polls it for a progress bar, a command prints it
    as a progress line, and a restarted task reads ``done`` to resume where it stopped.
    Written by :mod:`zhidu.jobs.progress` in short transactions of its own."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgressStatus.choices, default=ProgressStatus.RUNNING
    )
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task progress")
        verbose_name_plural = _("task progress")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.label or self.key

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.is_finished else None
        return min(100, int(self.done * 100 // self.total))

    @property
    def is_finished(self) -> bool:
        return self.status != ProgressStatus.RUNNING

    @property
    def links(self) -> list[dict]:
        """``result["links"]`` (``[{"label", "url"}]``) plus ``result["url"]`` if set."""
        res = self.result if isinstance(self.result, dict) else {}
        out = [link for link in res.get("links") or [] if isinstance(link, dict) and str(link.get("url", "")).strip()]
        if res.get("url"):
            out.insert(0, {"label": res.get("label") or _("Open the result"), "url": res["url"]})
        return out
