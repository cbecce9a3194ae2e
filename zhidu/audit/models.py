from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change made through a service: who, when, what, before and after, request id.
    Written in the same transaction as the change; UPDATE and DELETE are refused by a
    database trigger (see migration 0002). A bulk operation writes one parent event and
    its per-row children with ``bulk_create``."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the (actor, at) index serves lookups by actor
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)  # indexed in Meta
    ip = models.CharField(_("IP address"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="children"
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            # Equality only (the audit filter): no varchar_pattern_ops twin as db_index adds.
            models.Index(fields=["request_id"], name="audit_request_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class AccessEvent(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Signed out")
    EXPORT = "export", _("Export")
    PRINT = "print", _("Print")
    VIEW_PHONE = "view_phone", _("Viewed full phone number")
    TOKEN_USED = "token_used", _("API token used")


class AccessLog(models.Model):
    """Logins, failed logins, exports, prints and full-phone views. Kept at least six
    months (网络安全法 §21); the purge job never removes younger rows."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("user name given"), max_length=150, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=AccessEvent.choices, db_index=True)
    ip = models.CharField(_("IP address"), max_length=64, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event} {self.username}"
