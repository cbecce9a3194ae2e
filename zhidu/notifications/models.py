from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhidu.core.fields import EncryptedTextField
from zhidu.core.models import TimeStampedModel

from .choices import BUILT_IN_KINDS, ChannelKind, DeliveryStatus


class Notification(models.Model):
    """An in-app notification: one row per recipient, written in the transaction of the
    change it reports (so a rollback leaves none)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
            # The unread badge on every page: a partial index holds only unread rows.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationChannel(TimeStampedModel):
    """Where notifications can go. In-app and e-mail exist once each (created by the
    migration; e-mail uses Django's mail settings); an administrator adds WeCom and
    DingTalk group robots with their webhook URL (and DingTalk's signing secret).

    The webhook URL (its key or access token lets anyone post to the group) and the secret
    are encrypted at rest (``EncryptedTextField``, keys in ``ZHIDU_FIELD_KEYS``) and never
    shown back: pages and the API show the URL without its query and whether a secret is set."""

    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = EncryptedTextField(_("webhook URL"), blank=True, validators=[MaxLengthValidator(500)])
    secret = EncryptedTextField(
        _("signing secret"),
        blank=True,
        validators=[MaxLengthValidator(200)],
        help_text=_(
            "DingTalk: the secret shown under “Sign” (加签) in the robot's security settings (starts with SEC)."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="notif_channel_name_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind__in=sorted(BUILT_IN_KINDS)), name="notif_one_builtin_channel"
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def is_built_in(self) -> bool:
        return self.kind in BUILT_IN_KINDS

    @property
    def label(self):
        return self.get_kind_display() if self.is_built_in else self.name

    @property
    def masked_url(self) -> str:
        """The webhook URL without its key or token (they let anyone post to the group)."""
        base, _sep, _query = self.webhook_url.partition("?")
        return f"{base}?…" if _query else base


class NotificationPreference(models.Model):
    """A person's choice for one event on one channel; without a row the event's
    default channels apply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=64)
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="notif_pref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.channel_id}: {'on' if self.enabled else 'off'}"


class Delivery(models.Model):
    """One message to send outside the app: an e-mail to one person, or one post to a
    group robot (mentioning the people it concerns). Written with the notification,
    sent by a task after commit, retried with back-off."""

    channel = models.ForeignKey(
        NotificationChannel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to = models.CharField(pgettext_lazy("delivery", "to"), max_length=254, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    mentions = models.JSONField(_("mentions"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.title}"
