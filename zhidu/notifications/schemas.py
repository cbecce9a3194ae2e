from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    object_type: str
    object_id: str
    read_at: dt.datetime | None
    created_at: dt.datetime


class NotificationPage(Schema):
    items: list[NotificationOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool


class CountOut(Schema):
    count: int


class EventOut(Schema):
    key: str
    label: str
    default_channels: list[str]


class PreferenceItem(Schema):
    event: str
    channel_id: int
    enabled: bool


class PreferenceOut(PreferenceItem):
    channel_kind: str
    channel_label: str
    default: bool


class PreferencesIn(Schema):
    items: list[PreferenceItem] = Field(..., max_length=2000)


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    label: str
    webhook_url: str = Field(..., description="Without its key or token.")
    has_secret: bool
    enabled: bool


class ChannelIn(Schema):
    kind: str
    name: str
    webhook_url: str = ""
    secret: str = ""
    enabled: bool = True


class ChannelPatch(Schema):
    name: str | None = None
    webhook_url: str | None = None
    secret: str | None = None
    enabled: bool | None = None


class DeliveryOut(Schema):
    id: int
    channel_id: int
    event: str
    recipient_id: int | None
    to: str
    title: str
    status: str
    attempts: int
    response_code: int | None
    error: str
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool
