"""Importing customers, contacts and leads from CSV or XLSX (issue 4 "Import and export";
DESIGN: bulk import; "nothing is lost": every good row kept, every rejected row reported
with the reason).

The steps a person goes through, each a service here:

1. ``import_upload`` — the file is stored with an ``ImportJob``; the encoding is
   detected and the column mapping guessed from the headers (Chinese or English).
2. ``import_preview`` — the first rows with the cleaning applied (names trimmed, phones
   normalised, credit codes checked, choices recognised), each with its verdict.
3. ``import_mapping_set`` — the person corrects the mapping, chooses the owner.
4. ``import_start`` — the job is queued; a ``django.tasks`` task runs ``import_run``
   after the commit, with a progress row of the jobs app (bar on the page, line in the CLI).

``import_run`` cleans every row, removes duplicates within the file (a row sharing a
credit code, normalised name, phone or e-mail with an earlier row), checks the rest
against existing records (the same keys: a match held by the import's owner is a
duplicate, one held by anyone else, lying in a pool or in the recycle bin is a conflict),
applies the owner's holding cap in file order, writes the good rows and a CSV of the
rejected rows with their reasons. Customers on PostgreSQL go through COPY into a staging
table and set-based SQL (``import_bulk.py``); everything else is inserted by
``bulk_create`` in batches of 1,000, each batch its own transaction (SQLite: short write
locks), resumable: a re-run treats the rows this job already created as done.
One parent audit event per import, with a child row per record created.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.audit.models import AuditEvent
from zhidu.audit.services import audit_record
from zhidu.core.context import current_request_id
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm

from ..choices import ImportEncoding, ImportKind, JobStatus
from ..models import ImportJob
from . import import_rows as rows_mod
from .import_checks import (
    RunContext,
    _clean,
    _dedupe_in_file,
    _done_keys,
    _run_batches,
)
from .import_files import Table, read_table
from .import_rows import (
    REASON_LABELS,
    CleanRow,
    check_mapping,
    fields_for,
    guess_mapping,
)
from .tabular import csv_bytes, xlsx_bytes

logger = logging.getLogger(__name__)

OT_JOB = "customers.importjob"
KIND_OT: dict[str, str] = {
    ImportKind.CUSTOMERS: "customers.customer",
    ImportKind.CONTACTS: "customers.contact",
    ImportKind.LEADS: "customers.lead",
}
EVENT_DONE = "customers.import_done"
PREVIEW_ROWS = 20
TEXT_FIELDS = {"credit_code", "contact_phone", "contact_phone2", "phone", "phone2"}


def register_events() -> None:
    try:
        from zhidu.notifications.registry import register_event
    except ImportError:
        return
    register_event(EVENT_DONE, gettext_lazy("An import I started has finished"), ["in_app"])


# --- permission -------------------------------------------------------------------------------


def import_allowed(user, kind: str) -> bool:
    return kind in KIND_OT and has_perm(user, OT_JOB, Action.CREATE) and has_perm(user, KIND_OT[kind], Action.IMPORT)


def _require(actor, kind: str) -> None:
    if kind not in KIND_OT:
        raise ValidationError(_("Choose customers, contacts or leads."), fields={"kind": [_("Not a valid choice.")]})
    if not import_allowed(actor, kind):
        raise PermissionDenied(_("You may not import %(what)s.") % {"what": ImportKind(kind).label})


def _check_owner(actor: User, kind: str, owner: User | None) -> None:
    if owner is None:
        if kind == ImportKind.CUSTOMERS:
            raise ValidationError(_("Choose who will hold the customers."), fields={"owner": [_("Required.")]})
        return
    if not owner.is_active:
        raise ValidationError(
            _("%(user)s is not an active user.") % {"user": owner}, fields={"owner": [_("Inactive.")]}
        )
    if owner.pk == actor.pk:
        return
    from .transfers import person_in_scope

    ot = KIND_OT[ImportKind.LEADS if kind == ImportKind.LEADS else ImportKind.CUSTOMERS]
    if not has_perm(actor, ot, Action.ASSIGN) or not person_in_scope(actor, owner, Action.ASSIGN):
        msg = _("You may not import records for %(user)s.") % {"user": owner}
        raise PermissionDenied(msg, fields={"owner": [msg]})


def _job_for(actor: User, job: ImportJob | int, *, lock: bool = False) -> ImportJob:
    pk = job.pk if isinstance(job, ImportJob) else job
    qs = ImportJob.objects.select_for_update() if lock else ImportJob.objects
    found = qs.filter(pk=pk).first()
    if found is None or (found.created_by_id != actor.pk and not actor.is_superuser):
        raise NotFound()
    return found


def job_owner(job: ImportJob) -> User | None:
    owner_id = (job.options or {}).get("owner_id")
    return User.objects.filter(pk=owner_id).first() if owner_id else None


# --- 1. upload --------------------------------------------------------------------------------


@transaction.atomic
def import_upload(
    *,
    actor: User,
    kind: str,
    content: bytes,
    file_name: str,
    encoding: str = ImportEncoding.AUTO,
    sheet: str = "",
    owner: User | None = None,
) -> ImportJob:
    """Store the file and guess the mapping. The file must be readable (CSV in a known
    encoding or XLSX) and have a header row; nothing is imported yet."""
    _require(actor, kind)
    if owner is None and kind == ImportKind.CUSTOMERS:
        owner = actor
    _check_owner(actor, kind, owner)
    if encoding not in ImportEncoding.values:
        raise ValidationError(_("Unknown encoding."), fields={"encoding": [_("Not a valid choice.")]})
    table = read_table(content, file_name, encoding=encoding, sheet=sheet, limit=PREVIEW_ROWS + 6)
    job = ImportJob(
        kind=kind,
        original_name=(file_name or "")[:200],
        encoding=encoding if encoding != ImportEncoding.AUTO else ImportEncoding.AUTO,
        sheet=table.sheet,
        mapping=guess_mapping(kind, table.headers),
        options={
            "owner_id": owner.pk if owner else None,
            "headers": table.headers,
            "detected_encoding": table.encoding,
            "sheets": table.sheets,
        },
        created_by=actor,
    )
    job.file.save(file_name or f"import.{'xlsx' if table.sheet else 'csv'}", ContentFile(content), save=False)
    job.save()
    audit_record(actor=actor, action="import.upload", obj=job, changes={"kind": kind, "file": job.original_name})
    return job


def _read(job: ImportJob, *, limit: int | None = None) -> Table:
    job.file.open("rb")
    try:
        raw = job.file.read()
    finally:
        job.file.close()
    return read_table(raw, job.original_name, encoding=job.encoding, sheet=job.sheet, limit=limit)


# --- 2. preview -------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    number: int
    values: dict[str, Any]
    reason: str
    message: str

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass
class Preview:
    headers: list[str]
    mapping: dict[str, int]
    fields: list[rows_mod.ImportField]
    rows: list[PreviewRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)


def import_preview(*, actor: User, job: ImportJob | int, mapping: dict[str, int] | None = None) -> Preview:
    """The first rows with the cleaning applied. Duplicates within these rows are shown;
    the checks against existing records run with the import."""
    job = _job_for(actor, job)
    table = _read(job, limit=PREVIEW_ROWS + 6)
    mapping = dict(job.mapping if mapping is None else mapping)
    preview = Preview(headers=table.headers, mapping=mapping, fields=list(fields_for(job.kind)))
    preview.errors = check_mapping(job.kind, mapping, len(table.headers))
    if preview.errors:
        return preview
    cleaned = _clean(job.kind, table, mapping, limit=PREVIEW_ROWS)
    _dedupe_in_file(cleaned)
    for r in cleaned:
        values = {k: v for k, v in r.data.items() if k in {f.key for f in preview.fields}}
        for key in ("contact_phone", "contact_phone2", "phone", "phone2"):
            if r.data.get(f"{key}_n"):
                values[key] = r.data[f"{key}_n"]
        preview.rows.append(PreviewRow(r.number, values, r.reason, r.message))
    return preview


# --- 3. mapping ------------------------------------------------------------------------------


@transaction.atomic
def import_mapping_set(
    *, actor: User, job: ImportJob | int, mapping: dict[str, int], owner: User | None = None
) -> ImportJob:
    job = _job_for(actor, job, lock=True)
    if job.status != JobStatus.PENDING:
        raise Conflict(_("This import has already started."), code="import_started")
    headers = (job.options or {}).get("headers") or _read(job, limit=2).headers
    mapping = {k: int(v) for k, v in mapping.items() if v not in (None, "", -1)}
    errors = check_mapping(job.kind, mapping, len(headers))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(first, fields=errors)
    if owner is not None or job.kind == ImportKind.CUSTOMERS:
        owner = owner or job_owner(job) or actor
        _check_owner(actor, job.kind, owner)
    job.mapping = mapping
    job.options = {**(job.options or {}), "owner_id": owner.pk if owner else None}
    job.save(update_fields=["mapping", "options", "updated_at"])
    return job


# --- 4. start -------------------------------------------------------------------------------


def progress_key(job: ImportJob) -> str:
    return f"customers.import:{job.pk}"


@transaction.atomic
def import_start(*, actor: User, job: ImportJob | int) -> ImportJob:
    """Queue the import (the task starts after the commit). The mapping must be complete."""
    from zhidu.jobs.progress import progress_start

    job = _job_for(actor, job, lock=True)
    _require(actor, job.kind)
    if job.status != JobStatus.PENDING or job.options.get("queued"):
        raise Conflict(_("This import has already started."), code="import_started")
    headers = job.options.get("headers") or []
    errors = check_mapping(job.kind, job.mapping, len(headers))
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], fields=errors)
    _check_owner(actor, job.kind, job_owner(job))
    progress = progress_start(
        progress_key(job),
        label=_("Import of %(file)s") % {"file": job.original_name},
        owner=actor,
        message=_("Waiting for a worker…"),
    )
    job.progress_ref = str(progress.pk)
    job.options = {**job.options, "queued": True}
    job.save(update_fields=["progress_ref", "options", "updated_at"])
    request_id = current_request_id()
    from ..jobs.imports import import_run_task

    transaction.on_commit(lambda: import_run_task.enqueue(job.pk, request_id or ""))
    return job


def _parent_event(ctx: RunContext) -> AuditEvent:
    parent_id = ctx.job.options.get("audit_parent")
    if parent_id:
        found = AuditEvent.objects.filter(pk=parent_id).first()
        if found is not None:
            ctx.done_ids = {int(x) for x in AuditEvent.objects.filter(parent=found).values_list("object_id", flat=True)}
            ctx.done_keys = _done_keys(ctx.job.kind, ctx.done_ids)
            return found
    with transaction.atomic():
        parent = audit_record(
            actor=ctx.actor,
            action=f"{ctx.job.kind}.import",
            obj=ctx.job,
            changes={"kind": ctx.job.kind, "file": ctx.job.original_name, "rows": len(ctx.table.rows)},
            reason=f"owner: {ctx.owner.pk if ctx.owner else None}",
        )
        ImportJob.objects.filter(pk=ctx.job.pk).update(options={**ctx.job.options, "audit_parent": parent.pk})
        ctx.job.options["audit_parent"] = parent.pk
    return parent


def import_run(
    *, job_id: int, request_id: str = "", use_copy: bool | None = None, echo=None, workers: int | None = None
) -> ImportJob | None:
    """The import itself (the task's body). Idempotent: a finished job is left alone; an
    interrupted one runs again and counts the rows it already created as done.
    ``use_copy``: force (or forbid) the PostgreSQL COPY path; ``workers``: processes that
    prepare the rows on that path (default ``import_bulk.workers_for``); ``echo(progress)``
    is called after each progress step (the command line's progress line)."""
    from zhidu.jobs.choices import ProgressStatus
    from zhidu.jobs.progress import progress_finish, progress_start
    from zhidu.jobs.progress import progress_update as _update

    def progress_update(p, **kw):
        p = _update(p, **kw)
        if echo is not None:
            echo(p)
        return p

    started = ImportJob.objects.filter(pk=job_id, status__in=[JobStatus.PENDING, JobStatus.RUNNING]).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or not started:
        return job
    from zhidu.core.context import request_id_var

    token = request_id_var.set(request_id) if request_id else None
    progress = progress_start(
        progress_key(job), label=_("Import of %(file)s") % {"file": job.original_name}, owner=job.created_by
    )
    try:
        actor = job.created_by
        with _translation_for(actor), _no_cyclic_gc():
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            table = _read(job)
            timings["read"] = time.perf_counter() - t0
            progress = progress_update(progress, total=len(table.rows), message=_("Reading and cleaning rows…"))
            ctx = RunContext(job=job, actor=actor, owner=job_owner(job), now=timezone.now(), table=table, rows=[])
            if not import_allowed(actor, job.kind):
                raise PermissionDenied(_("You may not import %(what)s.") % {"what": ImportKind(job.kind).label})
            total = len(table.rows)

            def cleaned(n: int) -> None:
                progress_update(progress, done=n // 2, message=_("%(n)d rows cleaned") % {"n": n})

            ctx.parent = _parent_event(ctx)
            pg = connection.vendor == "postgresql" if use_copy is None else use_copy
            if job.kind == ImportKind.CUSTOMERS and pg and not ctx.done_ids:
                from .import_bulk import customers_copy_import

                progress_update(progress, message=_("Cleaning rows and checking duplicates…"))
                timings.update(customers_copy_import(ctx, workers=workers))
            else:
                ctx.rows = _clean(job.kind, table, job.mapping, progress=cleaned, timings=timings)
                progress_update(progress, done=total // 2, message=_("Checking duplicates and writing…"))
                t0 = time.perf_counter()
                _dedupe_in_file(ctx.rows)
                timings["dedupe_in_file"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                _run_batches(ctx, progress, progress_update)
                timings["check_and_insert"] = time.perf_counter() - t0
            _finish(ctx, timings)
    except Exception as exc:
        logger.exception("import %s failed", job_id)
        message = str(getattr(exc, "message", exc))
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        progress_finish(progress, status=ProgressStatus.FAILED, error=message[:2000])
        job.refresh_from_db()
        return job
    finally:
        if token is not None:
            request_id_var.reset(token)
    job.refresh_from_db()
    from django.urls import NoReverseMatch, reverse

    links = []
    try:
        links.append({"label": str(_("Open the import")), "url": reverse("customers:import_detail", args=[job.pk])})
        if job.rejected_rows:
            links.append(
                {"label": str(_("Rejected rows (CSV)")), "url": reverse("customers:import_rejected", args=[job.pk])}
            )
    except NoReverseMatch:
        pass
    progress = progress_finish(
        progress,
        message=_("%(created)d imported, %(rejected)d rejected")
        % {"created": job.created_rows, "rejected": job.rejected_rows},
        result={"links": links, "created": job.created_rows, "rejected": job.rejected_rows},
    )
    if echo is not None:
        echo(progress)
    _notify_done(job, links)
    return job


@contextmanager
def _no_cyclic_gc():
    """The cyclic garbage collector off while an import runs (and in the worker processes
    forked meanwhile). An import holds a few hundred thousand tracked objects (the file's
    rows, the cleaned rows' dicts) and creates no cycles worth collecting; each full
    collection walks them all — a third of the CPU of cleaning 100,000 rows. Reference
    counting still frees everything; collection resumes afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _translation_for:
    """Messages in the rejected-rows file in the importer's language."""

    def __init__(self, user):
        self.lang = getattr(user, "language", "") or None

    def __enter__(self):
        from django.utils import translation

        self._cm = translation.override(self.lang) if self.lang else None
        if self._cm:
            self._cm.__enter__()

    def __exit__(self, *exc):
        if self._cm:
            self._cm.__exit__(*exc)
        return False


def _finish(ctx: RunContext, timings: dict[str, float] | None = None) -> None:
    job = ctx.job
    rows = ctx.rows
    done_before = sum(1 for r in rows if r.reason == "done")
    rejected = [r for r in rows if r.reason and r.reason != "done"]
    by_reason = Counter(r.reason for r in rejected)
    t0 = time.perf_counter()
    content = rejected_csv(ctx.table, job.mapping, rejected) if rejected else b""
    if timings is not None:
        timings["rejected_file"] = time.perf_counter() - t0
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if content:
            job.rejected_file.save(f"rejected-{job.pk}.csv", ContentFile(content), save=False)
        job.total_rows = len(rows)
        job.processed_rows = len(rows)
        job.created_rows = ctx.created + done_before
        job.rejected_rows = len(rejected)
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        options = {k: v for k, v in job.options.items() if not k.startswith("_")}
        options["rejected_by_reason"] = dict(by_reason)
        if timings:
            options["timings"] = {k: round(v, 3) for k, v in timings.items()}
        job.options = options
        job.save()
    ctx.job = job


def _notify_done(job: ImportJob, links: list[dict]) -> None:
    try:
        from zhidu.notifications.services import notify
    except ImportError:
        return
    try:
        notify(
            recipients=[job.created_by_id],
            event=EVENT_DONE,
            title=_("Import of %(file)s: %(created)d imported, %(rejected)d rejected")
            % {"file": job.original_name, "created": job.created_rows, "rejected": job.rejected_rows},
            url=links[0]["url"] if links else "",
            obj=job,
        )
    except Exception:  # a notification must never fail a finished import
        logger.exception("import %s: notification failed", job.pk)


def rejected_csv(table: Table, mapping: dict[str, int], rejected: list[CleanRow]) -> bytes:
    """Row number, reason, details, then the row as it was in the file (UTF-8 with BOM;
    phone and code columns kept as text)."""
    index = {n: i for i, n in enumerate(table.numbers)}
    text_cols = {3 + c for k, c in mapping.items() if k in TEXT_FIELDS}
    header = [_("Row"), _("Reason"), _("Details"), *table.headers]
    out = []
    for r in sorted(rejected, key=lambda r: r.number):
        cells = table.rows[index[r.number]] if r.number in index else []
        out.append([r.number, str(REASON_LABELS.get(r.reason, r.reason)), r.message, *cells])
    return csv_bytes(header, out, text_columns=text_cols)


# --- templates ---------------------------------------------------------------------------------


def import_template(kind: str, file_format: str = "xlsx") -> bytes:
    """A template with the headers (required ones marked ``*``) and one example row."""
    fields = fields_for(kind)
    header = [f"{f.label}{' *' if f.required else ''}" for f in fields]
    example = [f.example for f in fields]
    text_cols = [i for i, f in enumerate(fields) if f.key in TEXT_FIELDS]
    if file_format == "csv":
        return csv_bytes(header, [example], text_columns=text_cols)
    return xlsx_bytes(header, [example], text_columns=text_cols, sheet_title=str(ImportKind(kind).label))


def import_cancel(*, actor: User, job: ImportJob | int) -> ImportJob:
    """Drop an import that has not started."""
    with transaction.atomic():
        job = _job_for(actor, job, lock=True)
        if job.status != JobStatus.PENDING or job.options.get("queued"):
            raise Conflict(_("This import has already started."), code="import_started")
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "updated_at"])
    return job
