"""The parts of an import that work on all rows: cleaning the table, duplicates within the
file, matches with existing customers (the Python path's four indexed lookups per batch,
and the messages both paths write), the holding cap, and the batched write path (batches
of 1,000, one transaction each) used on SQLite and for contacts and leads. The steps a
person goes through and the run itself are in ``imports.py``; the PostgreSQL COPY path of
customers is in ``import_bulk.py``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.audit.models import AuditEvent
from zhidu.core.context import client_ip_var, current_request_id
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import main_unit, user_roles

from ..choices import CustomerStatus, ImportKind, LeadStatus
from ..models import Contact, Customer, ImportJob, Lead
from ..policies import policy_for
from ..policies.customers import holding_cap, protected_until_on_receipt
from . import import_rows as rows_mod
from .duplicates import DuplicateMatch
from .import_files import Table
from .import_rows import (
    REASON_CAP,
    REASON_CONFLICT,
    REASON_EXISTING,
    REASON_IN_FILE,
    REASON_NO_CUSTOMER,
    CleanRow,
    clean_row,
    derive_name,
    duplicate_keys,
)
from .search import search_fields, search_text_for

BATCH = 1000
KEY_LABELS = {
    "credit_code": gettext_lazy("unified social credit code"),
    "name": gettext_lazy("name"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
}


def _clean(
    kind: str,
    table: Table,
    mapping: dict[str, int],
    *,
    limit: int | None = None,
    progress=None,
    timings: dict[str, float] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> list[CleanRow]:
    clock = time.perf_counter
    derive_s = 0.0
    started = clock()
    out: list[CleanRow] = []
    items = list(mapping.items())
    lead_text: dict[tuple[str, str], str] = {}
    stop = len(table.rows) if stop is None else stop
    if limit is not None:
        stop = min(stop, start + limit)
    numbers = table.numbers
    for i in range(start, stop):
        cells = table.rows[i]
        raw = {k: cells[c] for k, c in items}
        row = clean_row(kind, numbers[i], raw)
        if row.ok:
            d = row.data
            if kind == ImportKind.CUSTOMERS:
                t = clock()
                d["name_normalized"], d["search_text"], d["search_grams"] = derive_name(d["name"])
                derive_s += clock() - t
            elif kind == ImportKind.LEADS:
                d["name_normalized"] = derive_name(d["company"])[0] if d["company"] else ""
                key = (d["company"], d["contact_name"])
                if key not in lead_text:
                    lead_text[key] = search_text_for(*key)[:1000]
                d["search_text"] = lead_text[key]
            row.keys = duplicate_keys(kind, d)
        out.append(row)
        if progress is not None and (i + 1) % 10_000 == 0:
            progress(i + 1)
    if timings is not None:
        timings["pinyin"] = derive_s
        timings["clean"] = clock() - started - derive_s
    return out


def _dedupe_in_file(rows: list[CleanRow]) -> None:
    """A row that shares a key with an earlier row of the file (kept or not) is a
    duplicate within the file; the earliest such row is named. Order-independent per key,
    so the SQL path (``import_bulk``) reaches the same verdicts."""
    first: dict[tuple[str, str], int] = {}
    for r in rows:
        if not r.ok:
            continue
        for kt, values in r.keys.items():
            for v in values:
                first.setdefault((kt, v), r.number)
    for r in rows:
        if not r.ok:
            continue
        best = None
        for kt, values in r.keys.items():
            for v in values:
                n = first[(kt, v)]
                if n < r.number and (best is None or n < best[0]):
                    best = (n, kt)
        if best is not None:
            r.reason = REASON_IN_FILE
            r.message = in_file_message(best[0], best[1])


def in_file_message(number: int, key: str) -> str:
    return _("Duplicate of row %(row)d in this file (same %(key)s).") % {"row": number, "key": KEY_LABELS[key]}


def match_message(match: DuplicateMatch, owner: User | None) -> tuple[str, str]:
    """(reason, message) for a row that matches an existing customer."""
    if owner is not None and match.owner_id == owner.pk and not match.in_recycle_bin:
        return REASON_EXISTING, _("Already exists: %(match)s.") % {"match": match.describe()}
    return REASON_CONFLICT, _("Conflicts with an existing customer: %(match)s.") % {"match": match.describe()}


def matches_by_id(ids: set[int]) -> dict[int, DuplicateMatch]:
    out = {}
    for c in Customer.objects.filter(pk__in=sorted(ids)).select_related("owner", "pool"):
        out[c.pk] = DuplicateMatch(
            customer_id=c.pk,
            name=c.name,
            owner_id=c.owner_id,
            owner_name=str(c.owner) if c.owner_id else "",
            protected_until=c.protected_until,
            in_pool=c.pool_id is not None,
            pool_name=c.pool.name if c.pool is not None else "",
            in_recycle_bin=c.deleted_at is not None,
        )
    return out


# --- existing customers (Python path) ----------------------------------------------------------

_WEIGHT = ("credit_code", "name", "phone", "email")


def _customer_matches(rows: list[CleanRow], exclude: set[int]) -> dict[int, tuple[int, str]]:
    """Row number → (customer id, key) of the strongest match among existing customers
    (credit code, then name, then a contact's phone, then e-mail), in four queries."""
    wanted: dict[str, set[str]] = {k: set() for k in _WEIGHT}
    for r in rows:
        for kt, values in r.keys.items():
            wanted[kt].update(values)
    found: dict[str, dict[str, int]] = {k: {} for k in _WEIGHT}
    if wanted["credit_code"]:
        for pk, code in Customer.objects.filter(credit_code__in=sorted(wanted["credit_code"])).values_list(
            "pk", "credit_code"
        ):
            if pk not in exclude:
                found["credit_code"].setdefault(code, pk)
    if wanted["name"]:
        qs = Customer.objects.filter(name_normalized__in=sorted(wanted["name"])).order_by("pk")
        for pk, key in qs.values_list("pk", "name_normalized"):
            if pk not in exclude:
                found["name"].setdefault(key, pk)
    if wanted["phone"]:
        phones = sorted(wanted["phone"])
        contacts = Contact.objects.filter(Q(phone_normalized__in=phones) | Q(phone2_normalized__in=phones)).order_by(
            "pk"
        )
        for cid, p1, p2 in contacts.values_list("customer_id", "phone_normalized", "phone2_normalized"):
            if cid not in exclude:
                for p in (p1, p2):
                    if p in wanted["phone"]:
                        found["phone"].setdefault(p, cid)
    if wanted["email"]:
        by_email = Contact.objects.filter(email_normalized__in=sorted(wanted["email"])).order_by("pk")
        for cid, e in by_email.values_list("customer_id", "email_normalized"):
            if cid not in exclude:
                found["email"].setdefault(e, cid)
    out: dict[int, tuple[int, str]] = {}
    for r in rows:
        for kt in _WEIGHT:
            hit = next((found[kt][v] for v in r.keys.get(kt, []) if v in found[kt]), None)
            if hit is not None:
                out[r.number] = (hit, kt)
                break
    return out


# --- run ------------------------------------------------------------------------------------


@dataclass
class RunContext:
    job: ImportJob
    actor: User
    owner: User | None
    now: dt.datetime
    table: Table
    rows: list[CleanRow]
    parent: AuditEvent | None = None
    created: int = 0
    done_ids: set[int] = field(default_factory=set)  # records this job created on an earlier run
    done_keys: set = field(default_factory=set)  # their keys, to recognise their rows


def _audit_children(ctx: RunContext, object_type: str, items: list[tuple[int, str]]) -> None:
    """Child rows of the import's one audit event (``audit_record_bulk``'s shape, written
    batch by batch)."""
    rid, ip = current_request_id() or ctx.job.options.get("request_id", ""), client_ip_var.get()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=ctx.actor.pk,
                action=f"{object_type.split('.')[-1]}.import",
                object_type=object_type,
                object_id=str(pk),
                object_repr=str(name)[:200],
                changes={"import": ctx.job.pk},
                request_id=rid,
                ip=ip,
                parent=ctx.parent,
            )
            for pk, name in items
        ],
        batch_size=1000,
    )


def _done_keys(kind: str, ids: set[int]) -> set:
    """Keys of the records an earlier, interrupted run of the job created."""
    if not ids:
        return set()
    if kind == ImportKind.CUSTOMERS:
        return set(Customer.objects.filter(pk__in=sorted(ids)).values_list("name_normalized", flat=True))
    if kind == ImportKind.CONTACTS:
        return set(Contact.objects.filter(pk__in=sorted(ids)).values_list("customer_id", "name", "phone_normalized"))
    return set(
        Lead.objects.filter(pk__in=sorted(ids)).values_list("name_normalized", "phone_normalized", "email_normalized")
    )


def _cap_state(owner: User):
    """(cap or None, held now, holding policy): read inside a batch transaction after the
    owner's row is locked (DESIGN: races — quotas first)."""
    from .customers import customer_held_count

    User.objects.select_for_update().filter(pk=owner.pk).exists()
    policy = policy_for("holding", unit=main_unit(owner))
    cap = holding_cap(user_roles(owner), policy.value)
    held = customer_held_count(owner, policy.value) if cap is not None else 0
    return cap, held, policy


def cap_message(owner: User, cap: int, policy) -> str:
    return _("Over the holding cap: %(owner)s may hold %(cap)d customers (%(ref)s).") % {
        "owner": owner,
        "cap": cap,
        "ref": policy.ref,
    }


def _customers_batch(ctx: RunContext, batch: list[CleanRow]) -> None:
    owner = ctx.owner
    assert owner is not None
    good = [r for r in batch if r.ok]
    # Rows this job created on an earlier (interrupted) run are done, not duplicates.
    matches = _customer_matches(good, exclude=ctx.done_ids)
    found = matches_by_id({m[0] for m in matches.values()})
    for r in good:
        if r.data["name_normalized"] in ctx.done_keys:
            r.reason, r.message = "done", ""
            continue
        if r.number in matches:
            cid, kt = matches[r.number]
            m = found[cid]
            m.matched_on = [kt]
            r.reason, r.message = match_message(m, owner)
    cap, held, policy = _cap_state(owner)
    counts_active = policy.value.count_active
    unit = main_unit(owner)
    protection = policy_for("protection", unit=unit)
    until = protected_until_on_receipt(timezone.localdate(ctx.now), protection.value)
    new: list[tuple[CleanRow, Customer]] = []
    for r in good:
        if not r.ok:
            continue
        d = r.data
        counts = counts_active or d["status"] != CustomerStatus.ACTIVE
        if cap is not None and counts and held + 1 > cap:
            r.reason, r.message = REASON_CAP, cap_message(owner, cap, policy)
            continue
        if counts:
            held += 1
        new.append(
            (
                r,
                Customer(
                    name=d["name"],
                    name_normalized=d["name_normalized"],
                    search_text=d["search_text"],
                    search_grams=d["search_grams"],
                    credit_code=d["credit_code"],
                    kind=d["kind"],
                    industry=d["industry"],
                    province=d["province"],
                    city=d["city"],
                    size=d["size"],
                    address=d["address"],
                    website=d["website"],
                    source=d["source"],
                    tier=d["tier"],
                    status=d["status"],
                    notes=d["notes"],
                    owner=owner,
                    owner_unit=unit,
                    created_by=ctx.actor,
                    credit_to=owner,
                    received_at=ctx.now,
                    protected_until=until,
                ),
            )
        )
    created = Customer.objects.bulk_create([c for _r, c in new], batch_size=BATCH)
    contacts = []
    contact_text: dict[str, dict] = {}
    for (r, _c), c in zip(new, created, strict=True):
        d = r.data
        if not d["contact_name"]:
            continue
        name = d["contact_name"]
        if name not in contact_text:
            f = search_fields(name)
            contact_text[name] = {"search_text": f["search_text"][:400], "search_grams": f["search_grams"]}
        contacts.append(
            Contact(
                customer_id=c.pk,
                name=name,
                title=d["contact_title"],
                phone=d["contact_phone"],
                phone_normalized=d["contact_phone_n"],
                phone2=d["contact_phone2"],
                phone2_normalized=d["contact_phone2_n"],
                email=d["contact_email"],
                email_normalized=rows_mod.normalize_email(d["contact_email"])[:200],
                wechat=d["contact_wechat"],
                is_primary=True,
                created_by=ctx.actor,
                **contact_text[name],
            )
        )
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    _audit_children(ctx, "customers.customer", [(c.pk, c.name) for c in created])
    ctx.created += len(created)


def _contacts_batch(ctx: RunContext, batch: list[CleanRow]) -> None:
    good = [r for r in batch if r.ok]
    editable = Customer.objects.alive().visible_to(ctx.actor, Action.EDIT)
    codes, names = set(), set()
    for r in good:
        ident = r.data["customer"]
        code = rows_mod.fast_credit_code(ident)
        if len(code) == 18:
            codes.add(code)
        names.add(rows_mod.derive_name(ident)[0])
    by_code: dict[str, int] = (
        dict(editable.filter(credit_code__in=sorted(codes)).values_list("credit_code", "pk")) if codes else {}
    )
    by_name: dict[str, list[int]] = {}
    for pk, key in editable.filter(name_normalized__in=sorted(names)).values_list("pk", "name_normalized"):
        by_name.setdefault(key, []).append(pk)
    phones = sorted({p for r in good for p in r.keys.get("phone", [])})
    emails = sorted({e for r in good for e in r.keys.get("email", [])})
    existing: dict[tuple[int, str], int] = {}
    if phones or emails:
        qs = Contact.objects.filter(
            Q(phone_normalized__in=phones) | Q(phone2_normalized__in=phones) | Q(email_normalized__in=emails)
        )
        for pk, owner_cid, p1, p2, e in qs.values_list(
            "pk", "customer_id", "phone_normalized", "phone2_normalized", "email_normalized"
        ):
            if pk in ctx.done_ids:
                continue
            for v in (p1, p2, e):
                if v:
                    existing.setdefault((owner_cid, v), pk)
    new: list[Contact] = []
    for r in good:
        d = r.data
        code = rows_mod.fast_credit_code(d["customer"])
        cid = by_code.get(code)
        if cid is None:
            hits = by_name.get(rows_mod.derive_name(d["customer"])[0], [])
            if len(hits) > 1:
                r.reason = REASON_NO_CUSTOMER
                r.message = _("Several customers you may edit are called “%(name)s”: use the credit code.") % {
                    "name": d["customer"]
                }
                continue
            cid = hits[0] if hits else None
        if cid is None:
            r.reason = REASON_NO_CUSTOMER
            r.message = _("No customer you may edit is called “%(name)s”.") % {"name": d["customer"]}
            continue
        if (cid, d["name"], d["phone_n"]) in ctx.done_keys:
            r.reason, r.message = "done", ""
            continue
        dup = next((v for kt in ("phone", "email") for v in r.keys.get(kt, []) if (cid, v) in existing), None)
        if dup is not None:
            r.reason = REASON_EXISTING
            r.message = _("This customer already has a contact with %(value)s.") % {"value": dup}
            continue
        f = search_fields(d["name"])
        new.append(
            Contact(
                customer_id=cid,
                name=d["name"],
                title=d["title"],
                department=d["department"],
                decision_role=d["decision_role"],
                phone=d["phone"],
                phone_normalized=d["phone_n"],
                phone2=d["phone2"],
                phone2_normalized=d["phone2_n"],
                email=d["email"],
                email_normalized=rows_mod.normalize_email(d["email"])[:200],
                wechat=d["wechat"],
                birthday=d["birthday"],
                notes=d["notes"],
                created_by=ctx.actor,
                search_text=f["search_text"][:400],
                search_grams=f["search_grams"],
            )
        )
    created = Contact.objects.bulk_create(new, batch_size=BATCH)
    _audit_children(ctx, "customers.contact", [(c.pk, c.name) for c in created])
    ctx.created += len(created)


OPEN_LEADS = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


def _leads_batch(ctx: RunContext, batch: list[CleanRow]) -> None:
    owner = ctx.owner
    good = [r for r in batch if r.ok]
    phones = sorted({v for r in good for v in r.keys.get("phone", [])})
    emails = sorted({v for r in good for v in r.keys.get("email", [])})
    names = sorted({v for r in good for v in r.keys.get("name", [])})
    found: dict[tuple[str, str], Lead] = {}
    qs = Lead.objects.filter(status__in=OPEN_LEADS).filter(
        Q(phone_normalized__in=phones) | Q(email_normalized__in=emails) | Q(name_normalized__in=names)
    )
    for ld in qs.select_related("owner").order_by("pk"):
        if ld.pk in ctx.done_ids:
            continue
        for kt, v in (("phone", ld.phone_normalized), ("email", ld.email_normalized), ("name", ld.name_normalized)):
            if v:
                found.setdefault((kt, v), ld)
    customer_hits = _customer_matches(good, exclude=set())
    customers = matches_by_id({m[0] for m in customer_hits.values()})
    new: list[Lead] = []
    unit = main_unit(owner) if owner is not None else None
    for r in good:
        d = r.data
        if (d["name_normalized"], d["phone_n"], rows_mod.normalize_email(d["email"])) in ctx.done_keys:
            r.reason, r.message = "done", ""
            continue
        lead = next(
            (found[(kt, v)] for kt in ("phone", "email", "name") for v in r.keys.get(kt, []) if (kt, v) in found), None
        )
        if lead is not None:
            same = (lead.owner_id or None) == (owner.pk if owner else None)
            r.reason = REASON_EXISTING if same else REASON_CONFLICT
            r.message = _("An open lead already exists: %(lead)s (%(owner)s, %(date)s).") % {
                "lead": lead,
                "owner": lead.owner or _("unassigned"),
                "date": f"{timezone.localtime(lead.created_at):%Y-%m-%d}",
            }
            continue
        if r.number in customer_hits:
            cid, kt = customer_hits[r.number]
            m = customers[cid]
            m.matched_on = [kt]
            r.reason, r.message = match_message(m, owner)
            continue
        new.append(
            Lead(
                company=d["company"],
                contact_name=d["contact_name"],
                title=d["title"],
                phone=d["phone"],
                phone_normalized=d["phone_n"],
                email=d["email"],
                email_normalized=rows_mod.normalize_email(d["email"])[:200],
                wechat=d["wechat"],
                province=d["province"],
                city=d["city"],
                industry=d["industry"],
                product_line=d["product_line"],
                source=d["source"],
                source_detail=d["source_detail"],
                notes=d["notes"],
                name_normalized=d["name_normalized"],
                search_text=d["search_text"],
                owner=owner,
                owner_unit=unit,
                assigned_at=ctx.now if owner is not None else None,
                import_job=ctx.job,
                created_by=ctx.actor,
            )
        )
    created = Lead.objects.bulk_create(new, batch_size=BATCH)
    _audit_children(ctx, "customers.lead", [(ld.pk, str(ld)) for ld in created])
    ctx.created += len(created)


BATCHERS: dict[str, Callable[[RunContext, list[CleanRow]], None]] = {
    ImportKind.CUSTOMERS: _customers_batch,
    ImportKind.CONTACTS: _contacts_batch,
    ImportKind.LEADS: _leads_batch,
}


def _run_batches(ctx: RunContext, progress, progress_update) -> None:
    batcher = BATCHERS[ctx.job.kind]
    rows = ctx.rows
    half = len(rows) // 2
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with transaction.atomic():
            batcher(ctx, batch)
        if progress is not None:
            progress_update(
                progress,
                done=half + min(len(rows), start + BATCH) * (len(rows) - half) // max(1, len(rows)),
                message=_("%(n)d rows imported") % {"n": ctx.created},
            )
