"""Reads: a person's own notifications and settings; channels and deliveries for staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhidu.core.errors import PermissionDenied

from .models import Delivery, Notification, NotificationChannel, NotificationPreference
from .registry import EventType, events

UNREAD_CAP = 99


def notification_list(*, user):
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(*, user, cap: int = UNREAD_CAP) -> int:
    """Counts up to ``cap + 1`` so the badge can show "99+" without counting everything."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)[: cap + 1].count()


@dataclass
class PreferenceRow:
    event: EventType
    cells: list[dict[str, Any]]  # {"channel": NotificationChannel, "enabled": bool, "default": bool}


def preference_matrix(*, user) -> tuple[list[NotificationChannel], list[PreferenceRow]]:
    """Every registered event × every enabled channel, with the person's choice or the
    event's default."""
    channels = list(NotificationChannel.objects.filter(enabled=True).order_by("id"))
    chosen = {
        (event, channel_id): on
        for event, channel_id, on in NotificationPreference.objects.filter(user_id=user.pk).values_list(
            "event", "channel_id", "enabled"
        )
    }
    rows = []
    for ev in events():
        cells = []
        for ch in channels:
            default = ch.kind in ev.default_channels
            cells.append({"channel": ch, "enabled": chosen.get((ev.key, ch.pk), default), "default": default})
        rows.append(PreferenceRow(event=ev, cells=cells))
    return channels, rows


def _require_staff(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        raise PermissionDenied()


def channel_list(*, user):
    _require_staff(user)
    return NotificationChannel.objects.order_by("id")


def delivery_list(*, user):
    _require_staff(user)
    return Delivery.objects.select_related("channel", "recipient").order_by("-created_at", "-id")
