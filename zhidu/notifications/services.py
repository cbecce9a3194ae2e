"""Notifying people, and the settings behind it.

``notify(*, recipients, event, title, body="", url="", obj=None)`` is what other apps
call, inside the transaction of the change it reports: the in-app rows and the delivery
rows for the other channels are written in that transaction; the deliveries are handed to
the task worker with ``transaction.on_commit``, so a rollback notifies nobody. Which
channels reach whom: each person's preference per event and channel, else the event's
default channel kinds; disabled channels reach nobody. A group robot gets one message per
``notify`` call, mentioning the people it concerns.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import NotFound, PermissionDenied, ValidationError

from . import channels
from .choices import BUILT_IN_KINDS, WEBHOOK_KINDS, ChannelKind, DeliveryStatus
from .models import Delivery, Notification, NotificationChannel, NotificationPreference
from .registry import EventType, find_event

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_BASE = dt.timedelta(minutes=1)  # then 2, 4 minutes
STUCK_AFTER = dt.timedelta(minutes=10)


def event_get(key: str) -> EventType:
    event = find_event(key) if isinstance(key, str) else None
    if event is None:
        raise ValidationError(_("There is no notification event “%(event)s”.") % {"event": key}, code="unknown_event")
    return event


def _require_staff(actor) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only administrators can configure notification channels."))


def _check_link(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationError(
            _("A link must be a path in Zhidu (/…) or an http(s) address."),
            fields={"url": [_("Enter a path starting with / or an http(s) address.")]},
        )
    return url


def _users(recipients: Iterable[Any]) -> list:
    ids: list[int] = []
    for r in recipients or []:
        pk = getattr(r, "pk", r)
        if isinstance(pk, int) and pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids, is_active=True).in_bulk()
    return [users[i] for i in ids if i in users]


# --- notify ---------------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[Any],
    event: str,
    title: Any,
    body: Any = "",
    url: str = "",
    obj: models.Model | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (users or user ids; inactive people are skipped) about
    ``event``. Returns the in-app notifications written."""
    ev = event_get(event)
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError(_("A notification needs a title."), fields={"title": [_("This field is required.")]})
    title, body, url = title[:200], str(body or ""), _check_link(url)
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    users = _users(recipients)
    if not users:
        return []
    enabled = list(NotificationChannel.objects.filter(enabled=True).order_by("id"))
    prefs = {
        (user_id, channel_id): on
        for user_id, channel_id, on in NotificationPreference.objects.filter(
            event=ev.key, user_id__in=[u.pk for u in users]
        ).values_list("user_id", "channel_id", "enabled")
    }
    common = {
        "event": ev.key,
        "title": title,
        "body": body,
        "url": url,
        "object_type": object_type,
        "object_id": object_id,
    }
    in_app: list[Notification] = []
    deliveries: list[Delivery] = []
    groups: dict[int, list] = {}
    for user in users:
        for channel in enabled:
            if not prefs.get((user.pk, channel.pk), channel.kind in ev.default_channels):
                continue
            if channel.kind == ChannelKind.IN_APP:
                in_app.append(Notification(recipient=user, **common))
            elif channel.kind == ChannelKind.EMAIL:
                if user.email:
                    deliveries.append(Delivery(channel=channel, recipient=user, to=user.email, **common))
            elif channel.kind in WEBHOOK_KINDS:
                groups.setdefault(channel.pk, []).append(user)
    by_id = {c.pk: c for c in enabled}
    for channel_id, people in groups.items():
        mentions = [p.phone for p in people if getattr(p, "phone", "")]
        deliveries.append(Delivery(channel=by_id[channel_id], mentions=mentions, **common))
    with transaction.atomic():
        rows = Notification.objects.bulk_create(in_app)
        sent = Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in sent]
        if ids:
            transaction.on_commit(partial(deliveries_enqueue, ids))
    return rows


def deliveries_enqueue(ids: list[int]) -> None:
    """Hand deliveries to the worker (after commit). One that cannot be enqueued stays
    PENDING: the retry job picks it up."""
    from .tasks import delivery_send_task

    for pk in ids:
        try:
            delivery_send_task.enqueue(pk)
        except Exception:
            logger.exception("could not enqueue delivery %s", pk)


# --- sending -----------------------------------------------------------------------------------


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one delivery. Claimed with a conditional UPDATE, so two workers never send it
    twice; a failure is retried with back-off up to ``MAX_ATTEMPTS`` times."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None)
    delivery = Delivery.objects.select_related("channel").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if not claimed:
        return str(delivery.status)
    same = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING)
    if not delivery.channel.enabled:
        same.update(status=DeliveryStatus.FAILED, error=_("The channel is disabled."))
        return DeliveryStatus.FAILED
    result = channels.send(delivery)
    if result.ok:
        same.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), response_code=result.status_code, error="")
        return DeliveryStatus.SENT
    if delivery.attempts >= MAX_ATTEMPTS:
        same.update(status=DeliveryStatus.FAILED, response_code=result.status_code, error=result.error)
        logger.warning("delivery %s failed for good: %s", delivery_id, result.error)
        return DeliveryStatus.FAILED
    same.update(
        status=DeliveryStatus.RETRYING,
        response_code=result.status_code,
        error=result.error,
        next_attempt_at=now + RETRY_BASE * (2 ** (delivery.attempts - 1)),
    )
    return DeliveryStatus.RETRYING


def deliveries_retry_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The periodic retry: deliveries whose back-off is over, PENDING ones whose task was
    lost, SENDING ones whose worker stopped. Returns how many were sent."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - STUCK_AFTER).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now, error=_("The worker stopped while sending.")
    )
    due = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, created_at__lt=now - dt.timedelta(minutes=5))
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if delivery_send(delivery_id=pk, now=now) == DeliveryStatus.SENT)


# --- reading ------------------------------------------------------------------------------------


def notification_mark_read(*, actor, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient_id=actor.pk).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- preferences -------------------------------------------------------------------------------


@transaction.atomic
def preferences_set(*, actor, items: Iterable[tuple[str, int, bool]]) -> int:
    """Save a person's choices: ``(event key, channel id, enabled)``. Unknown events,
    unknown or disabled channels are refused and nothing is saved."""
    items = list(items)
    channel_map = NotificationChannel.objects.in_bulk([c for _e, c, _on in items if isinstance(c, int)])
    errors: dict[str, list[str]] = {}
    for event, channel_id, _on in items:
        if find_event(event) is None:
            errors.setdefault("event", []).append(_("There is no notification event “%(event)s”.") % {"event": event})
        channel = channel_map.get(channel_id)
        if channel is None:
            errors.setdefault("channel", []).append(_("There is no such channel."))
        elif not channel.enabled:
            errors.setdefault("channel", []).append(
                _("The channel “%(channel)s” is disabled.") % {"channel": channel.label}
            )
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], fields=errors)
    wanted = {(e, c): bool(on) for e, c, on in items}
    existing = {
        (p.event, p.channel_id): p
        for p in NotificationPreference.objects.filter(user_id=actor.pk, event__in={e for e, _c in wanted})
    }
    changed = 0
    create = []
    for (event, channel_id), on in wanted.items():
        row = existing.get((event, channel_id))
        if row is None:
            create.append(NotificationPreference(user_id=actor.pk, event=event, channel_id=channel_id, enabled=on))
        elif row.enabled != on:
            NotificationPreference.objects.filter(pk=row.pk).update(enabled=on)
            changed += 1
    NotificationPreference.objects.bulk_create(create)
    return changed + len(create)


# --- channels (administrators) -------------------------------------------------------------------

_CHANNEL_FIELDS = ["kind", "name", "webhook_url", "enabled"]


def _channel_check(channel: NotificationChannel) -> None:
    errors: dict[str, list[str]] = {}
    channel.name = " ".join((channel.name or "").split())
    channel.webhook_url = (channel.webhook_url or "").strip()
    channel.secret = (channel.secret or "").strip()
    if channel.kind in WEBHOOK_KINDS:
        if not channel.webhook_url:
            errors["webhook_url"] = [_("A group robot needs its webhook URL.")]
        else:
            try:
                URLValidator(schemes=["http", "https"])(channel.webhook_url)
            except DjangoValidationError:
                errors["webhook_url"] = [_("Enter the full webhook address, starting with https://.")]
        if channel.kind == ChannelKind.WECOM and channel.secret:
            errors["secret"] = [_("WeCom group robots are not signed: leave the secret empty.")]
    else:
        if channel.webhook_url or channel.secret:
            errors["webhook_url"] = [_("Only group robots have a webhook URL.")]
    if channel.kind == ChannelKind.IN_APP and not channel.enabled:
        errors["enabled"] = [_("In-app notifications cannot be turned off for everyone.")]
    if not channel.name:
        errors["name"] = [_("This field is required.")]
    elif NotificationChannel.objects.filter(name=channel.name).exclude(pk=channel.pk).exists():
        errors["name"] = [_("Another channel has this name.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], fields=errors)
    try:
        channel.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc)


@transaction.atomic
def channel_create(
    *, actor, kind: str, name: str, webhook_url: str = "", secret: str = "", enabled: bool = True
) -> NotificationChannel:
    _require_staff(actor)
    if kind not in WEBHOOK_KINDS:
        msg = (
            _("In-app and e-mail channels exist already; add WeCom or DingTalk group robots.")
            if kind in BUILT_IN_KINDS
            else _("Choose WeCom or DingTalk.")
        )
        raise ValidationError(msg, fields={"kind": [msg]})
    channel = NotificationChannel(kind=kind, name=name, webhook_url=webhook_url, secret=secret, enabled=enabled)
    _channel_check(channel)
    channel.save()
    audit_record(
        actor=actor,
        action="notifications.channel_create",
        obj=channel,
        after={**snapshot(channel, _CHANNEL_FIELDS), "webhook_url": channel.masked_url, "secret": bool(channel.secret)},
    )
    return channel


@transaction.atomic
def channel_update(*, actor, channel: NotificationChannel, **fields: Any) -> NotificationChannel:
    """Change name, webhook URL, secret or enabled; the kind is fixed. ``None`` keeps the
    stored webhook URL or secret (they are never shown back, so a form cannot resend them);
    ``""`` removes the secret."""
    _require_staff(actor)
    locked = NotificationChannel.objects.select_for_update().filter(pk=channel.pk).first()
    if locked is None:
        raise NotFound()
    channel = locked
    before = {**snapshot(channel, _CHANNEL_FIELDS), "webhook_url": channel.masked_url, "secret": bool(channel.secret)}
    unknown = set(fields) - {"name", "webhook_url", "secret", "enabled"}
    if unknown:
        raise ValidationError(fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    for key, value in fields.items():
        if key in ("secret", "webhook_url") and value is None:
            continue
        setattr(channel, key, value)
    _channel_check(channel)
    channel.save()
    after = {**snapshot(channel, _CHANNEL_FIELDS), "webhook_url": channel.masked_url, "secret": bool(channel.secret)}
    if fields.get("secret"):
        after["secret_changed"] = True
    if fields.get("webhook_url"):
        after["webhook_url_changed"] = True
    audit_record(actor=actor, action="notifications.channel_update", obj=channel, before=before, after=after)
    return channel


@transaction.atomic
def channel_test(*, actor, channel: NotificationChannel) -> Delivery:
    """Send a test message to a group robot (or to the administrator's own e-mail)."""
    _require_staff(actor)
    if not channel.enabled:
        raise ValidationError(_("The channel “%(channel)s” is disabled.") % {"channel": channel.label}, code="disabled")
    if channel.kind == ChannelKind.IN_APP:
        raise ValidationError(_("In-app notifications need no test."))
    if channel.kind == ChannelKind.EMAIL and not actor.email:
        raise ValidationError(_("Your account has no e-mail address to send the test to."))
    phone = getattr(actor, "phone", "")
    delivery = Delivery.objects.create(
        channel=channel,
        event="notifications.test",
        recipient=actor if channel.kind == ChannelKind.EMAIL else None,
        to=actor.email if channel.kind == ChannelKind.EMAIL else "",
        title=_("Zhidu test message"),
        body=_("If you can read this, notifications reach this channel."),
        mentions=[phone] if channel.kind in WEBHOOK_KINDS and phone else [],
    )
    audit_record(actor=actor, action="notifications.channel_test", obj=channel)
    transaction.on_commit(partial(deliveries_enqueue, [delivery.pk]))
    return delivery
