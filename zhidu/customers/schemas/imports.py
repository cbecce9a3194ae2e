"""API schemas of imports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ImportFieldOut(Schema):
    key: str
    label: str
    required: bool


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    original_name: str
    headers: list[str]
    mapping: dict[str, int]
    owner_id: int | None
    total_rows: int
    created_rows: int
    rejected_rows: int
    rejected_by_reason: dict[str, int]
    error: str
    progress_id: int | None = Field(None, description="GET /api/v1/jobs/progress/{id} while it runs.")
    rejected_url: str | None = None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class MappingIn(Schema):
    mapping: dict[str, int] = Field(description="Field key → column index (0-based).")
    owner_id: int | None = None


class PreviewRowOut(Schema):
    number: int
    ok: bool
    reason: str
    message: str
    values: dict[str, Any]


class PreviewOut(Schema):
    headers: list[str]
    mapping: dict[str, int]
    fields: list[ImportFieldOut]
    errors: dict[str, list[str]]
    rows: list[PreviewRowOut]
