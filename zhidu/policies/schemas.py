from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class PolicyKindOut(Schema):
    key: str
    label: str
    clause: str = Field(description="The regulation clause the kind implements, e.g. '000 §1.3'.")
    description: str
    schema_version: int
    document_schema: dict[str, Any] = Field(description="JSON Schema of the document, with field descriptions.")
    default: dict[str, Any] = Field(description="The rule when nothing is published (defaults in code).")


class PolicyVersionOut(Schema):
    id: int
    kind: str
    unit_id: int | None = Field(description="Empty: the whole company.")
    unit_name: str | None
    number: int
    status: str = Field(description="draft, published or retired")
    effective_from: dt.date | None
    schema_version: int
    document: dict[str, Any]
    ref: str = Field(
        description="The reference computed results store, e.g. 'allocation v3 · 华东大区 · from 2026-11-01'."
    )
    note: str
    based_on_id: int | None
    author_id: int | None
    published_by_id: int | None
    published_at: dt.datetime | None
    retired_at: dt.datetime | None
    retired_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PolicyVersionPage(Schema):
    items: list[PolicyVersionOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool = Field(description="True when there are more rows than the total counts.")


class ResolvedPolicyOut(Schema):
    kind: str
    ref: str
    version_id: int | None = Field(description="Empty when the default in code applies.")
    unit_id: int | None = Field(description="The unit whose policy applied; empty: company-wide or default.")
    effective_from: dt.date | None
    is_default: bool
    value: dict[str, Any]


class DraftCreateIn(Schema):
    kind: str
    unit_id: int | None = Field(None, description="Empty: a company-wide policy.")
    based_on_id: int | None = Field(None, description="A published version to start from; empty: the rule in force.")
    note: str = ""


class DraftUpdateIn(Schema):
    document: Any = Field(description="The whole document, a JSON object checked against the kind's schema.")
    note: str | None = None


class PublishIn(Schema):
    effective_from: dt.date = Field(description="First day the version applies, in the business time zone.")
    backdate: bool = Field(False, description="Allow a date before today (within the open period); needs a note.")
    note: str = ""


class RetireIn(Schema):
    reason: str


class DiffLineOut(Schema):
    path: str
    change: str = Field(description="added, removed or changed")
    old: Any = None
    new: Any = None


class PolicyDiffOut(Schema):
    base_ref: str
    base_version_id: int | None
    changes: list[DiffLineOut]


class ClosureIn(Schema):
    kind: str = Field("", description="Empty: every kind.")
    closed_through: dt.date
    note: str = ""


class ClosureOut(Schema):
    id: int
    kind: str
    closed_through: dt.date
    note: str
    closed_by_id: int | None
    closed_at: dt.datetime
