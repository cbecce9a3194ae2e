"""Progress of long tasks: one row per task that a page, the API and a command line read.

The API, for a long task (an import, an export, a month close)::

    from zhidu.jobs.progress import CliProgress, progress_finish, progress_start, progress_update

    p = progress_start(f"customers.import:{batch_id}", label=_("Import customers"), total=len(rows), owner=user)
    for chunk in chunks(rows, start=p.done):            # resume: skip what a killed run already did
        with transaction.atomic():                      # commit each batch on its own
            ...
        progress_update(p, advance=len(chunk), message=_("%(n)s rows imported") % {"n": p.done})
    progress_finish(p, message=_("Done"), result={"links": [{"label": _("Rejected rows"), "url": url}]})

and on failure ``progress_finish(p, status=ProgressStatus.FAILED, error=str(exc))``.

- ``progress_start(key, *, label, total=None, owner=None, message="", restart=False)``
  creates the row, or returns the existing one for ``key`` so a retried task resumes from
  ``p.done`` (``restart=True`` starts again from zero). Use a stable key (the import's id,
  or the task result id from ``TaskContext``) so a retry finds its row.
- ``progress_update(p, *, done=None, advance=0, total=None, message=None)`` moves it on.
- ``progress_finish(p, *, status=SUCCEEDED, message="", result=None, error="")`` ends it;
  ``result`` is JSON shown with the bar: ``{"url": …, "label": …}`` or
  ``{"links": [{"label": …, "url": …}]}`` (a download, a rejected-rows file), plus any data.

Each helper writes with a single UPDATE in a short transaction of its own, so call them
*outside* your batch transactions: then the bar moves while the task runs and the row
survives a rollback of the batch in progress.

Showing it:

- a page includes ``{% include "jobs/partials/progress.html" with progress=p %}`` — a
  Tabler progress bar that polls ``/jobs/progress/<id>/`` every second with htmx and stops
  when the task is finished (then shows the message and the result links);
- the API answers ``GET /api/v1/jobs/progress/{id}`` (the person who started it, or staff);
- a management command prints ``\\r[#####     ] 50% 5000/10000 message`` with
  ``CliProgress(self.stdout).show(p)`` or ``.update(done, total, message)``.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .choices import ProgressStatus
from .models import TaskProgress


def progress_start(
    key: str,
    *,
    label: Any = "",
    total: int | None = None,
    owner=None,
    message: Any = "",
    restart: bool = False,
) -> TaskProgress:
    now = timezone.now()
    with transaction.atomic():
        progress, created = TaskProgress.objects.get_or_create(
            key=key,
            defaults={
                "label": str(label)[:200],
                "total": total,
                "owner_id": getattr(owner, "pk", owner),
                "message": str(message)[:255],
            },
        )
        if created:
            return progress
        fields: dict[str, Any] = {"status": ProgressStatus.RUNNING, "finished_at": None, "error": "", "updated_at": now}
        if restart:
            fields.update(done=0, result={})
        if total is not None:
            fields["total"] = total
        if label:
            fields["label"] = str(label)[:200]
        if message:
            fields["message"] = str(message)[:255]
        TaskProgress.objects.filter(pk=progress.pk).update(**fields)
    progress.refresh_from_db()
    return progress


def progress_update(
    progress: TaskProgress,
    *,
    done: int | None = None,
    advance: int = 0,
    total: int | None = None,
    message: Any = None,
) -> TaskProgress:
    fields: dict[str, Any] = {"updated_at": timezone.now()}
    if done is not None:
        fields["done"] = max(0, int(done))
    elif advance:
        fields["done"] = F("done") + int(advance)
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = str(message)[:255]
    with transaction.atomic():
        TaskProgress.objects.filter(pk=progress.pk).update(**fields)
    # Keep the caller's object in step without another query.
    if done is not None:
        progress.done = max(0, int(done))
    elif advance:
        progress.done += int(advance)
    if total is not None:
        progress.total = total
    if message is not None:
        progress.message = str(message)[:255]
    progress.updated_at = fields["updated_at"]
    return progress


def progress_finish(
    progress: TaskProgress,
    *,
    status: str = ProgressStatus.SUCCEEDED,
    message: Any = "",
    result: dict | None = None,
    error: str = "",
) -> TaskProgress:
    if status == ProgressStatus.RUNNING or status not in ProgressStatus.values:
        raise ValueError(f"progress_finish: {status!r} is not a finished status")
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "finished_at": now, "updated_at": now, "error": error}
    if message:
        fields["message"] = str(message)[:255]
    if result is not None:
        fields["result"] = result
    if status == ProgressStatus.SUCCEEDED and progress.total:
        fields["done"] = progress.total
    with transaction.atomic():
        TaskProgress.objects.filter(pk=progress.pk).update(**fields)
    progress.refresh_from_db()
    return progress


def format_progress_line(done: int, total: int | None, message: Any = "", width: int = 10) -> str:
    """``\\r[#####     ] 50% 5000/10000 message`` (``total`` unknown: ``\\r[?] 5000 message``)."""
    message = str(message or "")
    if total:
        done_c = min(max(done, 0), total)
        filled = width * done_c // total
        line = f"[{'#' * filled}{' ' * (width - filled)}] {done_c * 100 // total}% {done}/{total}"
    else:
        line = f"[{'?' * width}] {done}"
    return "\r" + (f"{line} {message}" if message else line)


class CliProgress:
    """Prints a progress line for management commands, at most every ``min_interval``
    seconds (the last line is always printed by ``finish``)."""

    def __init__(self, stream: TextIO | None = None, *, width: int = 10, min_interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.min_interval = min_interval
        self._last = 0.0
        self._line_len = 0
        self._state: tuple[int, int | None, str] = (0, None, "")

    def update(self, done: int, total: int | None = None, message: Any = "", *, force: bool = False) -> None:
        self._state = (done, total, str(message or ""))
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        line = format_progress_line(done, total, message, self.width)
        pad = max(0, self._line_len - len(line))
        self._line_len = len(line)
        self._write(line + " " * pad)

    def show(self, progress: TaskProgress, *, force: bool = False) -> None:
        self.update(progress.done, progress.total, progress.message, force=force)

    def finish(self, message: Any = None) -> None:
        done, total, msg = self._state
        self.update(done, total, msg if message is None else message, force=True)
        self._write("\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")  # a command's stdout adds "\n" otherwise
        else:
            self.stream.write(text)
        if hasattr(self.stream, "flush"):
            self.stream.flush()
