"""API schemas of exports."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class ExportIn(Schema):
    kind: str = Field("customers", description="customers or contacts")
    file_format: str = Field("csv", description="csv or xlsx")
    filters: dict[str, str] = Field(default_factory=dict, description="The customer list's filters (as in its URL).")
    reason: str = Field("", description="Needed when the export is over the policy's cap (it then needs an approval).")


class ExportOut(Schema):
    id: int
    kind: str
    file_format: str
    status: str
    row_count: int
    filters: dict
    watermark: str
    approval_id: int | None
    at: dt.datetime
    expires_at: dt.datetime | None
    download_url: str | None = None
