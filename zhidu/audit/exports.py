"""CSV exports of the audit and access logs: UTF-8 with a BOM (so Excel opens Chinese
text correctly), streamed, formula-safe, and recorded in the access log."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from zhidu.core.masking import can_view_phone, mask_phone

from . import selectors
from .models import AccessEvent
from .services import access_log

BOM = "\ufeff"
_PHONE_KEY = re.compile(r"(phone|mobile|tel|手机|电话)", re.IGNORECASE)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # A cell that starts like a formula is run by spreadsheet programs: neutralise it.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def masked_changes(changes: Any, *, user, object_type: str) -> Any:
    """Phone-like fields in a change record masked unless ``user`` may see full numbers of
    ``object_type`` (the log must not leak what the record's own page hides)."""
    if not isinstance(changes, dict) or can_view_phone(user, object_type):
        return changes
    out = {}
    for key, value in changes.items():
        if _PHONE_KEY.search(str(key)):
            if isinstance(value, list):
                value = [mask_phone(v) if isinstance(v, str) else v for v in value]
            elif isinstance(value, str):
                value = mask_phone(value)
        out[key] = value
    return out


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def events_export(*, user, filters: Any) -> tuple[int, Iterator[str]]:
    qs = selectors.event_list(filters=filters)
    n = qs.count()
    access_log(user=user, event=AccessEvent.EXPORT, object_type="audit.auditevent", rows=n, detail="audit log CSV")
    header = [
        "id",
        "time",
        "actor_id",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "changes",
        "reason",
        "request_id",
        "ip",
        "parent_id",
    ]

    def rows():
        for e in qs.iterator(chunk_size=2000):
            changes = masked_changes(e.changes, user=user, object_type=e.object_type)
            yield [
                e.pk,
                _local(e.at),
                e.actor_id or "",
                str(e.actor) if e.actor_id and e.actor else "",
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                json.dumps(changes, ensure_ascii=False, sort_keys=True),
                e.reason,
                e.request_id,
                e.ip,
                e.parent_id or "",
            ]

    return n, csv_lines(header, rows())


def access_export(*, user, filters: Any) -> tuple[int, Iterator[str]]:
    qs = selectors.access_list(filters=filters)
    n = qs.count()
    access_log(user=user, event=AccessEvent.EXPORT, object_type="audit.accesslog", rows=n, detail="access log CSV")
    header = ["id", "time", "event", "user_id", "user", "username", "ip", "object_type", "detail", "rows", "request_id"]

    def rows():
        for a in qs.iterator(chunk_size=2000):
            yield [
                a.pk,
                _local(a.at),
                a.event,
                a.user_id or "",
                str(a.user) if a.user_id and a.user else "",
                a.username,
                a.ip,
                a.object_type,
                a.detail,
                a.rows,
                a.request_id,
            ]

    return n, csv_lines(header, rows())
