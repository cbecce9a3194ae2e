"""Reads of the audit and access logs. Who may read them: ``zhidu.audit.policies``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zhidu.core.errors import NotFound
from zhidu.core.filters import apply_filters

from .filtersets import AccessLogFilterSet, AuditEventFilterSet
from .models import AccessLog, AuditEvent


def event_list(*, filters: Any = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    return apply_filters(AuditEventFilterSet, filters or {}, qs)


def event_get(*, pk: Any) -> AuditEvent:
    try:
        return AuditEvent.objects.select_related("actor", "parent").get(pk=int(pk))
    except (AuditEvent.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def event_children(*, event: AuditEvent, limit: int = 200) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(parent=event).order_by("id")[:limit])


def access_list(*, filters: Any = None) -> QuerySet[AccessLog]:
    qs = AccessLog.objects.select_related("user").order_by("-at", "-id")
    return apply_filters(AccessLogFilterSet, filters or {}, qs)


def change_rows(event: AuditEvent, *, user) -> list[dict[str, Any]]:
    """The before/after table of an event: ``changes`` is ``{field: [old, new]}``; other
    shapes (a summary of a bulk action) are shown as one value per key. Phone-like fields
    are masked for people who may not see full numbers of the object type."""
    from .exports import masked_changes

    rows = []
    changes = masked_changes(event.changes, user=user, object_type=event.object_type)
    changes = changes if isinstance(changes, dict) else {"": changes}
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": key, "before": value[0], "after": value[1], "pair": True})
        else:
            rows.append({"field": key, "before": None, "after": value, "pair": False})
    return rows
