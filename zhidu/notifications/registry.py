"""Notification events: each app registers the events it sends in ``AppConfig.ready``::

    from zhidu.notifications.registry import register_event

    register_event("customers.recycled", _("A customer of yours went back to the pool"),
                   default_channels=["in_app", "email"])

``default_channels`` are channel kinds (``in_app``, ``email``, ``wecom``, ``dingtalk``):
the channels of those kinds reach a person unless they changed it on their
notification settings page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .choices import ChannelKind


@dataclass(frozen=True)
class EventType:
    key: str
    label: Any
    default_channels: frozenset[str]
    description: Any = ""


_events: dict[str, EventType] = {}


def register_event(
    key: str, label: Any, default_channels: Iterable[str] = (ChannelKind.IN_APP,), description: Any = ""
) -> EventType:
    kinds = frozenset(str(k) for k in default_channels)
    unknown = kinds - set(ChannelKind.values)
    if unknown:
        raise ValueError(f"event {key!r}: unknown channel kinds {sorted(unknown)}")
    event = EventType(key=key, label=label, default_channels=kinds, description=description)
    _events[key] = event
    return event


def unregister_event(key: str) -> None:
    """For tests that register an event of their own."""
    _events.pop(key, None)


def find_event(key: str) -> EventType | None:
    return _events.get(key)


def events() -> list[EventType]:
    return sorted(_events.values(), key=lambda e: e.key)
