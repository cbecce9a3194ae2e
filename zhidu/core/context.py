"""Per-request context shared with services and tasks without passing it everywhere:
the request id (for the audit log) and the client IP (for the access log)."""

from __future__ import annotations

import contextvars
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("zhidu_request_id", default="")
client_ip_var: contextvars.ContextVar[str] = contextvars.ContextVar("zhidu_client_ip", default="")


def current_request_id() -> str:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex
