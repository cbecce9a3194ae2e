"""Helpers for the pool, follow-up and my-day tests: publish a policy version through
the real policies store, record notifications, make held customers quickly."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .factories import CustomerFactory


def publish(admin, kind: str, document: dict, *, unit=None, on: dt.date | None = None):
    """Publish ``document`` (merged over the defaults) as the ``kind`` policy of ``unit``."""
    from zhidu.policies import services
    from zhidu.policies.registry import policy_kind

    full = {**policy_kind(kind).default().model_dump(mode="json"), **document}
    draft = services.policy_draft_create(actor=admin, kind=kind, unit=unit)
    draft = services.policy_draft_update(actor=admin, version=draft, document=full)
    return services.policy_publish(actor=admin, version=draft, effective_from=on or timezone.localdate())


class Sent:
    """Replaces ``notify_later``: records what would be sent, at once (no commit needed)."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *, recipient_ids, event, title, body="", url=""):
        self.calls.append({"to": sorted(set(recipient_ids)), "event": event, "title": str(title), "body": str(body)})

    def to(self, user) -> list[dict]:
        return [c for c in self.calls if user.pk in c["to"]]


def held(owner, *, received: dt.datetime | None = None, **kw):
    """A customer held by ``owner``, received at ``received`` (default now)."""
    received = received or timezone.now()
    kw.setdefault("protected_until", None)
    return CustomerFactory(owner=owner, received_at=received, **kw)


def load_urls() -> None:
    """Import the URLconf (and with it the API schemas) before freezegun swaps ``date``:
    pydantic cannot build a schema for freezegun's fake date class."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
