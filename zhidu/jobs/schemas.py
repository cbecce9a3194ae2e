from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class RunOut(Schema):
    id: int
    job: str
    slot: dt.datetime
    trigger: str
    status: str
    schedule: str
    task_result_id: str
    requested_by_id: int | None
    enqueued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    rows: int | None
    result: dict[str, Any]
    error: str


class JobOut(Schema):
    key: str
    label: str
    schedule: str
    schedule_source: str
    enabled: bool
    warning: str
    next_run: dt.datetime | None
    failures_7d: int
    last_runs: list[RunOut]


class RunPage(Schema):
    items: list[RunOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool


class TaskResultOut(Schema):
    id: str
    task_path: str
    queue_name: str
    status: str
    enqueued_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    exception_class_path: str
    traceback: str


class TaskResultPage(Schema):
    items: list[TaskResultOut]
    page: int
    page_size: int
    has_next: bool
    total: int
    total_capped: bool


class ProgressOut(Schema):
    id: int
    key: str
    label: str
    status: str
    total: int | None
    done: int
    percent: int | None
    message: str
    result: dict[str, Any]
    error: str
    started_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None
    is_finished: bool
