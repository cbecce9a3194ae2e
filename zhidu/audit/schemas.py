from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: Any = Field(description="{field: [before, after]}; phone-like fields masked without view_phone")
    reason: str
    request_id: str
    ip: str
    parent_id: int | None

    @staticmethod
    def resolve_actor_name(obj) -> str:
        return str(obj.actor) if obj.actor_id and obj.actor else ""

    @staticmethod
    def resolve_changes(obj, context) -> Any:
        from .exports import masked_changes

        request = (context or {}).get("request")
        return masked_changes(obj.changes, user=getattr(request, "user", None), object_type=obj.object_type)


class AccessLogOut(Schema):
    id: int
    at: dt.datetime
    event: str
    user_id: int | None
    username: str
    ip: str
    object_type: str
    detail: str
    rows: int
    request_id: str
