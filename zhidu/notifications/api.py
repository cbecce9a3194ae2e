"""``/api/v1/notifications/``: a person's own notifications and settings; channels and
deliveries for administrators."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from zhidu.core.errors import NotFound
from zhidu.core.filters import apply_filters, filter_schema, query_to_data
from zhidu.core.pagination import paginate

from . import selectors, services
from .filtersets import DeliveryFilterSet, NotificationFilterSet
from .models import NotificationChannel
from .registry import events
from .schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    CountOut,
    DeliveryOut,
    DeliveryPage,
    EventOut,
    NotificationOut,
    NotificationPage,
    PreferenceOut,
    PreferencesIn,
)

router = Router()

NotificationQuery: Any = filter_schema(NotificationFilterSet, "NotificationQuery")
DeliveryQuery: Any = filter_schema(DeliveryFilterSet, "DeliveryQuery")


def _page(page) -> dict:
    return {
        "items": page.items,
        "page": page.number,
        "page_size": page.per_page,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


def _channel_out(c: NotificationChannel) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "name": c.name,
        "label": str(c.label),
        "webhook_url": c.masked_url,
        "has_secret": bool(c.secret),
        "enabled": c.enabled,
    }


@router.get("/", response=NotificationPage, summary="My notifications, newest first")
def notification_list(request: HttpRequest, query: Query[NotificationQuery]):  # type: ignore[valid-type]
    qs = apply_filters(NotificationFilterSet, query_to_data(query), selectors.notification_list(user=request.user))
    return _page(paginate(qs, query.page, query.page_size))


@router.get("/unread-count", response=CountOut, summary="How many of my notifications are unread (capped at 100)")
def unread_count(request: HttpRequest):
    return {"count": selectors.unread_count(user=request.user)}


@router.post("/read-all", response=CountOut, summary="Mark all my notifications read")
def read_all(request: HttpRequest):
    return {"count": services.notifications_mark_all_read(actor=request.user)}


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="Mark one notification read")
def read_one(request: HttpRequest, notification_id: int):
    return services.notification_mark_read(actor=request.user, notification_id=notification_id)


@router.get("/events", response=list[EventOut], summary="Events that can notify, with their default channel kinds")
def event_list(request: HttpRequest):
    return [{"key": e.key, "label": str(e.label), "default_channels": sorted(e.default_channels)} for e in events()]


@router.get("/preferences", response=list[PreferenceOut], summary="My choice per event and enabled channel")
def preference_list(request: HttpRequest):
    _channels, rows = selectors.preference_matrix(user=request.user)
    return [
        {
            "event": row.event.key,
            "channel_id": cell["channel"].pk,
            "channel_kind": cell["channel"].kind,
            "channel_label": str(cell["channel"].label),
            "enabled": cell["enabled"],
            "default": cell["default"],
        }
        for row in rows
        for cell in row.cells
    ]


@router.put("/preferences", response=list[PreferenceOut], summary="Change my choices (only the items given)")
def preference_set(request: HttpRequest, payload: PreferencesIn):
    services.preferences_set(actor=request.user, items=[(i.event, i.channel_id, i.enabled) for i in payload.items])
    return preference_list(request)


@router.get("/channels", response=list[ChannelOut], summary="Notification channels (administrators)")
def channel_list(request: HttpRequest):
    return [_channel_out(c) for c in selectors.channel_list(user=request.user)]


@router.post("/channels", response={201: ChannelOut}, summary="Add a WeCom or DingTalk group robot (administrators)")
def channel_create(request: HttpRequest, payload: ChannelIn):
    return 201, _channel_out(services.channel_create(actor=request.user, **payload.dict()))


def _channel(request, channel_id: int) -> NotificationChannel:
    channel = selectors.channel_list(user=request.user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound()
    return channel


@router.patch("/channels/{int:channel_id}", response=ChannelOut, summary="Change a channel (administrators)")
def channel_update(request: HttpRequest, channel_id: int, payload: ChannelPatch):
    fields = payload.dict(exclude_unset=True)
    channel = services.channel_update(actor=request.user, channel=_channel(request, channel_id), **fields)
    return _channel_out(channel)


@router.post("/channels/{int:channel_id}/test", response={202: DeliveryOut}, summary="Send a test message")
def channel_test(request: HttpRequest, channel_id: int):
    return 202, services.channel_test(actor=request.user, channel=_channel(request, channel_id))


@router.get("/deliveries", response=DeliveryPage, summary="Messages sent outside the app (administrators)")
def delivery_list(request: HttpRequest, query: Query[DeliveryQuery]):  # type: ignore[valid-type]
    qs = apply_filters(DeliveryFilterSet, query_to_data(query), selectors.delivery_list(user=request.user))
    return _page(paginate(qs, query.page, query.page_size))
