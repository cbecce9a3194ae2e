"""Helpers for the lead, allocation and fairness tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from zhidu.customers.models import Lead
from zhidu.customers.normalize import normalize_name, normalize_phone
from zhidu.customers.policies.allocation import AllocationPolicy
from zhidu.customers.policies.leads import LeadPolicy


def alloc_policy(**values) -> SimpleNamespace:
    """An ``allocation`` policy as ``policy_resolve`` returns it, without the store."""
    return SimpleNamespace(value=AllocationPolicy(**values), version_id=None, ref="allocation · test")


def lead_policy(**values) -> SimpleNamespace:
    return SimpleNamespace(value=LeadPolicy(**values), version_id=None, ref="lead · test")


_n = [0]


def unassigned(unit, **kw) -> Lead:
    """An unassigned lead waiting in ``unit`` (written directly: the allocation tests
    need many of them quickly)."""
    _n[0] += 1
    kw.setdefault("company", f"测试线索{_n[0]}")
    kw.setdefault("phone", f"1370000{_n[0]:04d}")
    lead = Lead(owner_unit=unit, **kw)
    lead.name_normalized = normalize_name(lead.company)
    lead.phone_normalized = normalize_phone(lead.phone)
    lead.save()
    return lead


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class Sent:
    """Replaces ``_notify_later``: records what would be sent, at once."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *, recipient_ids, event, title, body="", url=""):
        self.calls.append({"to": sorted({i for i in recipient_ids if i}), "event": event, "title": str(title)})

    def to(self, user) -> list[dict]:
        return [c for c in self.calls if user.pk in c["to"]]


def publish_since(admin, kind: str, document: dict, *, unit=None, on: dt.date = dt.date(2020, 1, 1)):
    """Publish ``document`` (merged over the defaults) in force since ``on`` (backdated)."""
    from zhidu.policies import services
    from zhidu.policies.registry import policy_kind

    full = {**policy_kind(kind).default().model_dump(mode="json"), **document}
    draft = services.policy_draft_create(actor=admin, kind=kind, unit=unit)
    draft = services.policy_draft_update(actor=admin, version=draft, document=full)
    return services.policy_publish(
        actor=admin, version=draft, effective_from=on, backdate=on < timezone.localdate(), note="test"
    )
