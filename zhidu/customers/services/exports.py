"""Exports (导出) and print (打印) of customer lists — confidential data leaving the system.

Rules (issue 4; seed 003: customer records are confidential and handed in on leaving):

- Export and print are action permissions (``export`` / ``print`` on customers or
  contacts; off for reps by default, ``permissions.py``); the ``export`` policy may
  restrict them to some roles. A refused export writes nothing and logs nothing.
- The rows are the user's current list filters applied to what they may see (the same
  selector as the list page). Phones and e-mail are masked unless the exporter holds
  ``view_phone`` on contacts, and always while a customer lies in a public pool.
- An export of more rows than the policy's ``approval_over_rows`` goes through an
  approval (``zhidu.approvals``): the request is an ``ExportLog`` row waiting; when it is
  approved the file is built in the background with the requester's scope at that moment
  and the requester is told; they download it until ``expires_at``.
- Every export is an ``ExportLog`` row and an access-log row (``export`` or ``print``)
  with the row count; every file carries the exporter's name and the time as a watermark
  (first and last line of a CSV; first row and page header/footer of an XLSX).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.audit.models import AccessEvent
from zhidu.audit.services import access_log
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.core.masking import mask_email, mask_phone
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, main_unit, user_roles

from ..choices import ExportFormat, ExportStatus
from ..models import Contact, Customer, ExportLog
from ..policies import policy_for
from ..policies.export import needs_approval, role_allowed
from .tabular import csv_bytes, xlsx_bytes

logger = logging.getLogger(__name__)

KIND_CUSTOMERS = "customers"
KIND_CONTACTS = "contacts"
KINDS = {KIND_CUSTOMERS: "customers.customer", KIND_CONTACTS: "customers.contact"}
EVENT_READY = "customers.export_ready"
PRINT_MAX_ROWS = 1000
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def register() -> None:
    """The approval callbacks of export requests and the "export ready" event."""
    try:
        from zhidu.approvals.registry import register_approvable
    except ImportError:
        pass
    else:
        register_approvable(
            "customers.exportlog",
            on_approved=on_export_approved,
            on_rejected=on_export_rejected,
            on_returned=on_export_rejected,
            on_withdrawn=on_export_withdrawn,
            describe=describe_export,
        )
    try:
        from zhidu.notifications.registry import register_event
    except ImportError:
        return
    register_event(EVENT_READY, gettext_lazy("An export I asked for is ready"), ["in_app", "email"])


# --- who may -----------------------------------------------------------------------------


def export_allowed(user, kind: str = KIND_CUSTOMERS, action: str = Action.EXPORT, policy=None) -> bool:
    """Holds the permission and, when the policy lists roles, one of them."""
    ot = KINDS.get(kind)
    if ot is None or not has_perm(user, ot, action):
        return False
    policy = policy or policy_for("export", unit=main_unit(user))
    return role_allowed(user_roles(user), policy.value, is_superuser=user.is_superuser)


def _require(user, kind: str, action: str, policy) -> None:
    if kind not in KINDS:
        raise ValidationError(_("Unknown export."), fields={"kind": [_("Not a valid choice.")]})
    if not export_allowed(user, kind, action, policy):
        if action == Action.PRINT:
            raise PermissionDenied(_("You may not print customer lists."))
        raise PermissionDenied(_("You may not export customer data."))


def watermark_for(user, at: dt.datetime, *, printed: bool = False) -> str:
    local = timezone.localtime(at)
    params = {
        "name": getattr(user, "full_name", "") or user.get_username(),
        "username": user.get_username(),
        "time": f"{local:%Y-%m-%d %H:%M}",
    }
    if printed:
        return _("Printed by %(name)s (%(username)s) at %(time)s · confidential, for internal use only") % params
    return _("Exported by %(name)s (%(username)s) at %(time)s · confidential, for internal use only") % params


def _clean_filters(filters: Any) -> dict[str, Any]:
    if filters is None:
        return {}
    data = filters.dict() if hasattr(filters, "dict") and hasattr(filters, "getlist") else dict(filters)
    return {k: v for k, v in data.items() if k not in {"page", "page_size", "format"} and v not in ("", None)}


# --- rows ------------------------------------------------------------------------------------


def _queryset(user, kind: str, filters: dict[str, Any]) -> QuerySet:
    from ..selectors.customers import customer_list

    customers = customer_list(user=user, filters=filters)
    if kind == KIND_CUSTOMERS:
        primary = Contact.objects.filter(customer=OuterRef("pk"), is_active=True).order_by("-is_primary", "pk")
        return customers.annotate(
            contact_name=Subquery(primary.values("name")[:1]),
            contact_phone=Subquery(primary.values("phone")[:1]),
            contact_email=Subquery(primary.values("email")[:1]),
        )
    return (
        Contact.objects.filter(customer__in=customers.values("pk"))
        .visible_to(user, Action.VIEW)
        .select_related("customer")
        .order_by("customer__name", "customer_id", "-is_primary", "pk")
    )


def _date(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return f"{timezone.localtime(v):%Y-%m-%d %H:%M}"
    return f"{v:%Y-%m-%d}"


def _columns(kind: str) -> tuple[list[str], set[int]]:
    if kind == KIND_CUSTOMERS:
        header = [
            _("Name"),
            _("Unified social credit code"),
            _("Kind"),
            _("Status"),
            _("Tier"),
            _("Industry"),
            _("Province"),
            _("City"),
            _("Address"),
            _("Website"),
            _("Source"),
            _("Owner"),
            _("Owner unit"),
            _("Public pool"),
            _("Protected until"),
            _("Last valid follow-up"),
            _("Registered"),
            _("Contact"),
            _("Contact phone"),
            _("Contact e-mail"),
        ]
        return header, {1, 18}
    header = [
        _("Customer"),
        _("Unified social credit code"),
        _("Contact"),
        _("Job title"),
        _("Department"),
        _("Role in the decision"),
        _("Phone"),
        _("Second phone"),
        _("E-mail"),
        _("WeChat"),
        _("Birthday"),
        _("Still there"),
    ]
    return header, {1, 6, 7}


def _rows(user, kind: str, qs: QuerySet):
    may_see_phones = has_perm(user, "customers.contact", Action.VIEW_PHONE)
    if kind == KIND_CUSTOMERS:
        for c in qs.iterator(chunk_size=2000):
            masked = not may_see_phones or c.pool_id is not None
            phone, email = c.contact_phone or "", c.contact_email or ""
            yield [
                c.name,
                c.credit_code,
                c.get_kind_display(),
                c.get_status_display(),
                c.tier,
                c.get_industry_display() if c.industry else "",
                c.get_province_display() if c.province else "",
                c.city,
                c.address,
                c.website,
                c.get_source_display() if c.source else "",
                str(c.owner) if c.owner_id else "",
                str(c.owner_unit) if c.owner_unit_id else "",
                str(c.pool) if c.pool_id else "",
                _date(c.protected_until),
                _date(c.last_valid_follow_up_at),
                _date(c.created_at),
                c.contact_name or "",
                mask_phone(phone) if masked and phone else phone,
                mask_email(email) if masked and email else email,
            ]
        return
    for ct in qs.iterator(chunk_size=2000):
        masked = not may_see_phones or ct.customer.pool_id is not None
        yield [
            ct.customer.name,
            ct.customer.credit_code,
            ct.name,
            ct.title,
            ct.department,
            ct.get_decision_role_display() if ct.decision_role else "",
            mask_phone(ct.phone) if masked and ct.phone else ct.phone,
            mask_phone(ct.phone2) if masked and ct.phone2 else ct.phone2,
            mask_email(ct.email) if masked and ct.email else ct.email,
            (ct.wechat[:1] + "***") if masked and ct.wechat else ct.wechat,
            _date(ct.birthday),
            _("Yes") if ct.is_active else _("No"),
        ]


def build_file(*, user, kind: str, filters: dict[str, Any], file_format: str, watermark: str) -> tuple[bytes, int]:
    """The file's bytes and its row count, for ``user``'s scope and ``filters``."""
    qs = _queryset(user, kind, filters)
    header, text_cols = _columns(kind)
    counter = {"n": 0}

    def counted():
        for row in _rows(user, kind, qs):
            counter["n"] += 1
            yield row

    if file_format == ExportFormat.XLSX:
        widths = [30, 22, 10, 10, 6, 18, 10, 10, 30, 24, 10, 12, 14, 14, 12, 16, 16, 10, 16, 24]
        content = xlsx_bytes(
            header,
            counted(),
            text_columns=text_cols,
            watermark=watermark,
            sheet_title=str(_("Customers") if kind == KIND_CUSTOMERS else _("Contacts")),
            widths=widths if kind == KIND_CUSTOMERS else None,
        )
    else:
        content = csv_bytes(header, counted(), text_columns=text_cols, watermark=watermark)
    return content, counter["n"]


def file_name(log: ExportLog) -> str:
    at = timezone.localtime(log.at)
    return f"{log.kind}-{at:%Y%m%d-%H%M}-{log.pk}.{log.file_format}"


# --- export --------------------------------------------------------------------------------


@dataclass
class ExportResult:
    log: ExportLog
    content: bytes | None  # None: waiting for approval
    filename: str = ""
    content_type: str = ""

    @property
    def waiting(self) -> bool:
        return self.content is None


def export_count(*, user, kind: str, filters: Any) -> int:
    return _queryset(user, kind, _clean_filters(filters)).count()


@transaction.atomic
def export_create(
    *,
    actor: User,
    kind: str = KIND_CUSTOMERS,
    filters: Any = None,
    file_format: str = ExportFormat.CSV,
    reason: str = "",
    policy=None,
    now: dt.datetime | None = None,
) -> ExportResult:
    """Export ``actor``'s filtered list. Within the policy's cap the file comes back at
    once (logged); over it, an ``ExportLog`` waits for approval and nothing is written
    out yet; over ``max_rows`` the export is refused."""
    policy = policy or policy_for("export", unit=main_unit(actor))
    _require(actor, kind, Action.EXPORT, policy)
    if file_format not in ExportFormat.values:
        raise ValidationError(_("Choose CSV or XLSX."), fields={"file_format": [_("Not a valid choice.")]})
    data = _clean_filters(filters)
    qs = _queryset(actor, kind, data)
    n = qs.count()
    if n == 0:
        raise ValidationError(_("Nothing to export: no rows match the filters."))
    if n > policy.value.max_rows:
        raise LimitExceeded(
            _("%(n)d rows match; an export carries at most %(max)d (%(ref)s). Narrow the filters.")
            % {"n": n, "max": policy.value.max_rows, "ref": policy.ref},
            code="export_too_large",
        )
    now = now or timezone.now()
    if needs_approval(n, policy.value):
        reason = (reason or "").strip()
        if not reason:
            msg = _("%(n)d rows is more than %(cap)d: an export this large needs an approval. Say what it is for.") % {
                "n": n,
                "cap": policy.value.approval_over_rows,
            }
            raise ValidationError(msg, fields={"reason": [msg]}, code="approval_needed")
        log = ExportLog.objects.create(
            user=actor,
            kind=kind,
            file_format=file_format,
            filters=data,
            row_count=n,
            status=ExportStatus.PENDING,
            reason=reason,
            at=now,
        )
        _submit(actor, log)
        return ExportResult(log=log, content=None)
    watermark = watermark_for(actor, now)
    content, rows = build_file(user=actor, kind=kind, filters=data, file_format=file_format, watermark=watermark)
    log = ExportLog.objects.create(
        user=actor,
        kind=kind,
        file_format=file_format,
        filters=data,
        row_count=rows,
        watermark=watermark,
        status=ExportStatus.DONE,
        reason=(reason or "").strip(),
        at=now,
    )
    access_log(
        user=actor,
        event=AccessEvent.EXPORT,
        object_type=KINDS[kind],
        detail=f"export #{log.pk} {file_format} {data}",
        rows=rows,
    )
    return ExportResult(log=log, content=content, filename=file_name(log), content_type=CONTENT_TYPES[file_format])


def _submit(actor: User, log: ExportLog) -> None:
    from zhidu.approvals.services import approval_submit

    request = approval_submit(
        actor=actor,
        obj=log,
        title=_("Export of %(n)d %(kind)s")
        % {"n": log.row_count, "kind": _("customers") if log.kind == KIND_CUSTOMERS else _("contacts")},
        unit=main_unit(actor),
        snapshot_fields=["kind", "file_format", "filters", "row_count", "reason"],
        flow_hint="customer_export",
        context={"kind": "export", "rows": log.row_count},
    )
    ExportLog.objects.filter(pk=log.pk).update(approval_id=request.pk)
    log.approval_id = request.pk


def on_export_approved(request, log: ExportLog) -> None:
    """Approval callback (in the decision's transaction): the file is built after the
    commit, in the background, with the requester's scope at that moment."""
    if log is None:
        return
    updated = ExportLog.objects.filter(pk=log.pk, status=ExportStatus.PENDING).update(status=ExportStatus.APPROVED)
    if updated:
        from ..jobs.imports import export_build_task

        transaction.on_commit(lambda: export_build_task.enqueue(log.pk))


def on_export_rejected(request, log: ExportLog) -> None:
    if log is not None:
        ExportLog.objects.filter(pk=log.pk, status=ExportStatus.PENDING).update(status=ExportStatus.REJECTED)


def on_export_withdrawn(request, log: ExportLog) -> None:
    if log is not None:
        ExportLog.objects.filter(pk=log.pk, status=ExportStatus.PENDING).update(status=ExportStatus.WITHDRAWN)


def describe_export(log: ExportLog) -> dict:
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    try:
        # What would be exported, as the approver's own list shows it.
        url = reverse("customers:customer_list") + ("?" + urlencode(log.filters) if log.filters else "")
    except NoReverseMatch:
        url = ""
    return {
        "url": url,
        "summary": _("%(user)s wants to export %(n)d rows (%(format)s)")
        % {"user": log.user, "n": log.row_count, "format": log.file_format.upper()},
        "fields": {
            str(_("Rows")): log.row_count,
            str(_("Format")): log.file_format.upper(),
            str(_("Filters")): ", ".join(f"{k}={v}" for k, v in sorted(log.filters.items())) or "—",
            str(_("Reason")): log.reason,
        },
    }


def export_build(*, log_id: int, now: dt.datetime | None = None) -> ExportLog | None:
    """Build an approved export (the background task). Idempotent: a log that is not
    waiting to be built is left alone. The requester's permission is checked again."""
    now = now or timezone.now()
    with transaction.atomic():
        log = ExportLog.objects.select_for_update().select_related("user").filter(pk=log_id).first()
        if log is None or log.status != ExportStatus.APPROVED:
            return log
        user = log.user
        policy = policy_for("export", unit=main_unit(user))
        if not user.is_active or not export_allowed(user, log.kind, Action.EXPORT, policy):
            log.status = ExportStatus.FAILED
            log.save(update_fields=["status"])
            return log
        watermark = watermark_for(user, now)
        content, rows = build_file(
            user=user, kind=log.kind, filters=log.filters, file_format=log.file_format, watermark=watermark
        )
        if rows > policy.value.max_rows:
            log.status = ExportStatus.FAILED
            log.save(update_fields=["status"])
            return log
        log.file.save(file_name(log), ContentFile(content), save=False)
        log.status = ExportStatus.DONE
        log.row_count = rows
        log.watermark = watermark
        log.expires_at = now + dt.timedelta(days=policy.value.file_days)
        log.save(update_fields=["file", "status", "row_count", "watermark", "expires_at"])
        access_log(
            user=user,
            event=AccessEvent.EXPORT,
            object_type=KINDS[log.kind],
            detail=f"export #{log.pk} {log.file_format} (approval {log.approval_id})",
            rows=rows,
        )
        try:
            from django.urls import reverse

            from zhidu.notifications.services import notify

            notify(
                recipients=[user],
                event=EVENT_READY,
                title=_("Your export of %(n)d rows is ready") % {"n": rows},
                body=_("Download it before %(date)s.") % {"date": f"{timezone.localtime(log.expires_at):%Y-%m-%d}"},
                url=reverse("customers:export_download", args=[log.pk]),
                obj=log,
            )
        except ImportError:
            pass
    return log


def export_file_for(*, user, log_id: int, now: dt.datetime | None = None) -> ExportLog:
    """A built export its requester may download (until it expires)."""
    now = now or timezone.now()
    log = ExportLog.objects.filter(pk=log_id, user=user).first()
    if log is None:
        raise NotFound()
    if log.status != ExportStatus.DONE or not log.file:
        raise Conflict(_("This export has no file to download."), code="no_file")
    if log.expires_at is not None and log.expires_at < now:
        raise Conflict(_("This export expired on %(date)s; export again.") % {"date": _date(log.expires_at)})
    return log


# --- print ---------------------------------------------------------------------------------


@dataclass
class PrintList:
    customers: list[Customer]
    watermark: str
    count: int
    masked: bool


@transaction.atomic
def customer_list_print(*, actor: User, filters: Any = None, policy=None, now: dt.datetime | None = None) -> PrintList:
    """The printable list (``print`` permission), at most ``PRINT_MAX_ROWS`` rows, logged
    as a print in the access log and the export log."""
    policy = policy or policy_for("export", unit=main_unit(actor))
    _require(actor, KIND_CUSTOMERS, Action.PRINT, policy)
    data = _clean_filters(filters)
    qs = _queryset(actor, KIND_CUSTOMERS, data)
    rows = list(qs[: PRINT_MAX_ROWS + 1])
    if len(rows) > PRINT_MAX_ROWS:
        raise LimitExceeded(
            _("More than %(n)d customers match: narrow the filters before printing.") % {"n": PRINT_MAX_ROWS},
            code="print_too_large",
        )
    now = now or timezone.now()
    watermark = watermark_for(actor, now, printed=True)
    masked = not has_perm(actor, "customers.contact", Action.VIEW_PHONE)
    for c in rows:
        if masked or c.pool_id is not None:
            c.contact_phone = mask_phone(c.contact_phone) if c.contact_phone else ""
            c.contact_email = mask_email(c.contact_email) if c.contact_email else ""
    log = ExportLog.objects.create(
        user=actor, kind=KIND_CUSTOMERS, file_format="print", filters=data, row_count=len(rows), watermark=watermark
    )
    access_log(
        user=actor,
        event=AccessEvent.PRINT,
        object_type="customers.customer",
        detail=f"print #{log.pk} {data}",
        rows=len(rows),
    )
    return PrintList(customers=rows, watermark=watermark, count=len(rows), masked=masked)
