"""``/api/v1/audit/``: read-only audit and access logs for administrators."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.policies import require
from zhidu.org.schemas import PageOut, page_out

from . import policies, selectors
from .filtersets import AccessLogFilterSet, AuditEventFilterSet
from .schemas import AccessLogOut, AuditEventOut

router = Router()

EventQuery: Any = filter_schema(AuditEventFilterSet, "AuditEventFilters")
AccessQuery: Any = filter_schema(AccessLogFilterSet, "AccessLogFilters")


@router.get("/events", response=PageOut[AuditEventOut], summary="Audit events, newest first")
def events_list(request, filters: Query[EventQuery]):  # type: ignore[valid-type]
    require(policies.can_view_events(request.user))
    qs = selectors.event_list(filters=query_to_data(filters))
    return page_out(paginate(qs, filters.page, filters.page_size))


@router.get("/events/{event_id}", response=AuditEventOut, summary="One audit event")
def events_detail(request, event_id: int):
    require(policies.can_view_events(request.user))
    return selectors.event_get(pk=event_id)


@router.get("/access", response=PageOut[AccessLogOut], summary="Access log entries, newest first")
def access_list(request, filters: Query[AccessQuery]):  # type: ignore[valid-type]
    require(policies.can_view_access(request.user))
    qs = selectors.access_list(filters=query_to_data(filters))
    return page_out(paginate(qs, filters.page, filters.page_size))
