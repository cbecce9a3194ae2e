"""Writing the audit and access logs. Call these inside the service's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from zhidu.core.context import client_ip_var, current_request_id

from .models import AccessLog, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-safe data (foreign keys as ids)."""
    names = (
        list(fields)
        if fields is not None
        else [f.name for f in obj._meta.concrete_fields if f.name not in {"search_text", "search_grams"}]
    )
    out = {}
    for name in names:
        f = obj._meta.get_field(name)
        attname = getattr(f, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields that changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    changes: dict | None = None,
    reason: str = "",
    parent: AuditEvent | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    if changes is None:
        if before is not None or after is not None:
            changes = diff(before or {}, after or {})
        else:
            changes = {}
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=str(object_repr)[:200],
        changes=_jsonable(changes),
        reason=reason,
        request_id=current_request_id(),
        ip=client_ip_var.get(),
        parent=parent,
    )


def audit_record_bulk(
    *,
    actor,
    action: str,
    object_type: str,
    items: Iterable[tuple[Any, str, dict]],
    reason: str = "",
    summary: dict | None = None,
) -> AuditEvent:
    """One parent event plus a child row per object (``(id, repr, changes)``)."""
    parent = audit_record(
        actor=actor, action=action, object_type=object_type, object_repr=action, changes=summary or {}, reason=reason
    )
    rid, ip = current_request_id(), client_ip_var.get()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=getattr(actor, "pk", actor),
                action=action,
                object_type=object_type,
                object_id=str(oid),
                object_repr=str(orepr)[:200],
                changes=_jsonable(ch),
                reason=reason,
                request_id=rid,
                ip=ip,
                parent=parent,
            )
            for oid, orepr, ch in items
        ],
        batch_size=1000,
    )
    return parent


def access_log(
    *, user=None, event: str, username: str = "", object_type: str = "", detail: str = "", rows: int = 0, ip: str = ""
) -> AccessLog:
    return AccessLog.objects.create(
        user_id=getattr(user, "pk", user) if user is not None and getattr(user, "pk", None) else None,
        username=username or (getattr(user, "username", "") if user is not None else ""),
        event=event,
        ip=ip or client_ip_var.get(),
        object_type=object_type,
        detail=detail[:255],
        rows=rows,
        request_id=current_request_id(),
    )


# --- retention ----------------------------------------------------------------------------

# 网络安全法 §21: network logs are kept for no less than six months.
MIN_RETENTION_DAYS = 183


def retention_days() -> int:
    from django.conf import settings

    return max(MIN_RETENTION_DAYS, int(getattr(settings, "ZHIDU_ACCESS_LOG_RETENTION_DAYS", MIN_RETENTION_DAYS)))


def access_log_purge(*, older_than_days: int) -> int:
    """Delete access-log rows older than ``older_than_days`` days. Refused when that would
    remove anything younger than the retention period (``ZHIDU_ACCESS_LOG_RETENTION_DAYS``,
    never under six months: 网络安全法 §21). Idempotent; the scheduler calls it daily.
    Returns the number of rows deleted."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from zhidu.core.errors import ValidationError

    try:
        days = int(older_than_days)
    except (TypeError, ValueError):
        raise ValidationError(_("Give a whole number of days."), fields={"older_than_days": [_("Not a number.")]})
    keep = retention_days()
    if days < keep:
        raise ValidationError(
            _("Access logs are kept for at least %(keep)d days (Cybersecurity Law art. 21); %(days)d is too few.")
            % {"keep": keep, "days": days},
            fields={"older_than_days": [_("At least %(keep)d.") % {"keep": keep}]},
        )
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        deleted, _unused = AccessLog.objects.filter(at__lt=cutoff).delete()
        if deleted:
            audit_record(
                actor=None,
                action="access_log.purge",
                object_type="audit.accesslog",
                object_repr="access log",
                changes={"deleted": deleted, "before": cutoff.isoformat()},
            )
    return deleted
