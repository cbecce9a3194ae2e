"""Writes on leads (线索): intake from a channel with cleaning and the duplicate check,
screening with the qualification checklist, the status (new / working / qualified /
disqualified with a reason / converted) and conversion to a customer and contact through
``customer_register`` (duplicate-aware: 000 §3.1, 002 §2.3, 004 §2.1).

Allocation (who gets a lead) lives in ``allocation.py``. Every function here is one
transaction with its audit row; refusals raise ``ApplicationError`` subclasses and leave
nothing written. Policies arrive as arguments (``policy_for``); ``None`` resolves here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.audit.services import audit_record, diff, snapshot
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, User
from zhidu.org.permissions import active_posts, has_perm, main_unit, user_roles, visibility

from ..choices import CustomerKind, DisqualifyReason, LeadSource, LeadStatus
from ..models import Contact, Customer, Lead
from ..normalize import normalize_email, normalize_name, normalize_phone
from ..policies import policy_for
from ..policies.leads import checklist_missing, phone_looks_valid
from .duplicates import DuplicateMatch, find_duplicates
from .search import search_text_for

OT = "customers.lead"

# What a person enters about a lead (form and API); the rest is kept by the services.
LEAD_FIELDS = (
    "company",
    "contact_name",
    "title",
    "phone",
    "email",
    "wechat",
    "province",
    "city",
    "industry",
    "product_line",
    "source",
    "source_detail",
    "notes",
)

OPEN = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)

# Status moves ``lead_status_set`` makes; qualified, disqualified and converted have their
# own services because they need a checklist, a reason or a customer.
TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.WORKING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.WORKING: {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.QUALIFIED: {LeadStatus.WORKING, LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED},
    LeadStatus.DISQUALIFIED: {LeadStatus.WORKING},  # reopened
    LeadStatus.CONVERTED: set(),
}

MATCH_LABELS = {
    "company": gettext_lazy("company"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
}


# --- helpers ------------------------------------------------------------------------------


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc


def _derive(lead: Lead) -> None:
    """Trimmed text and the normalised columns the duplicate check and search use."""
    for name in ("company", "contact_name", "title", "phone", "email", "wechat", "city", "product_line"):
        setattr(lead, name, (getattr(lead, name) or "").strip())
    lead.name_normalized = normalize_name(lead.company)[:200]
    lead.phone_normalized = normalize_phone(lead.phone)[:20]
    lead.email_normalized = normalize_email(lead.email)[:200]
    lead.search_text = search_text_for(lead.company, lead.contact_name)[:1000]


def _check_content(lead: Lead, policy) -> None:
    errors: dict[str, list[str]] = {}
    if not (lead.company or lead.contact_name):
        msg = _("Name the company or the contact person.")
        errors["company"] = [msg]
    if not (lead.phone or lead.email or lead.wechat):
        errors["phone"] = [_("Give at least one way to reach the lead: phone, e-mail or WeChat.")]
    if lead.phone and not lead.phone_normalized:
        errors["phone"] = [_("This phone number has no digits.")]
    elif policy.check_phone_format and not phone_looks_valid(lead.phone_normalized):
        errors["phone"] = [
            _("%(phone)s cannot be a real number: check the digits (a mobile has 11, a landline its area code).")
            % {"phone": lead.phone}
        ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(first, fields=errors)


def lead_may(user, lead: Lead, action: str) -> bool:
    """The action permission and the lead's scope in one check; the assignee may always
    work their own lead."""
    if action in (Action.VIEW, Action.EDIT) and lead.owner_id is not None and lead.owner_id == user.pk:
        return has_perm(user, OT, Action.VIEW)
    return Lead.objects.filter(pk=lead.pk).visible_to(user, action).exists()


def _require(user, lead: Lead, action: str, message: str | None = None) -> None:
    if not lead_may(user, lead, action):
        if lead_may(user, lead, Action.VIEW):
            raise PermissionDenied(message)
        raise NotFound()


def _lock(lead: Lead | int) -> Lead:
    pk = lead.pk if isinstance(lead, Lead) else lead
    obj = Lead.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _touch(lead: Lead, actor: User, now: dt.datetime) -> list[str]:
    """The first touch: the assignee works the lead (a status change, the checklist, a
    follow-up). Someone else working it does not stop the first-response clock."""
    if lead.first_touched_at is None and lead.owner_id is not None and lead.owner_id == actor.pk:
        lead.first_touched_at = now
        return ["first_touched_at"]
    return []


def unit_in_scope(actor: User, unit: OrgUnit, action: str) -> bool:
    """Whether ``unit`` lies within ``actor``'s data scope for ``action`` on leads, or is
    a unit they hold a post in."""
    if any(p.unit_id == unit.pk for p in active_posts(actor)):
        return True
    vis = visibility(actor, OT, action)
    if vis.everything:
        return True
    return unit.pk in vis.unit_ids or any(unit.path.startswith(p) for p in vis.unit_paths)


# --- duplicates -------------------------------------------------------------------------------


@dataclass
class LeadMatch:
    """Another lead that looks like this one; only what anyone may learn about it."""

    lead_id: int
    company: str
    contact_name: str
    owner_name: str
    status: str
    created_at: dt.datetime
    matched_on: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "contact_name": self.contact_name,
            "owner": self.owner_name,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "matched_on": list(self.matched_on),
        }

    def describe(self) -> str:
        on = ", ".join(str(MATCH_LABELS[m]) for m in self.matched_on)
        who = self.owner_name or _("nobody yet")
        return _("“%(name)s” (%(status)s, held by %(owner)s, since %(date)s; same %(on)s)") % {
            "name": self.company or self.contact_name,
            "status": LeadStatus(self.status).label,
            "owner": who,
            "date": f"{timezone.localdate(self.created_at):%Y-%m-%d}",
            "on": on,
        }


class LeadDuplicateFound(Conflict):
    """A new lead matches an open (or recent) lead. The body lists the matches."""

    code = "duplicate_lead"

    def __init__(self, matches: list[LeadMatch]):
        self.matches = matches
        message = _("This lead already exists: %(match)s.") % {"match": matches[0].describe()}
        fields: dict[str, list[str]] = {}
        for m in matches:
            for f in m.matched_on:
                fields.setdefault("company" if f == "company" else f, []).append(m.describe())
        super().__init__(message, fields=fields)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["duplicates"] = [m.as_dict() for m in self.matches]
        return body


def lead_duplicates(
    *,
    company: str = "",
    phones: list[str] | tuple[str, ...] = (),
    emails: list[str] | tuple[str, ...] = (),
    exclude_id: int | None = None,
    window_days: int = 180,
    now: dt.datetime | None = None,
    limit: int = 10,
) -> list[LeadMatch]:
    """Leads with the same normalised company name, phone or e-mail that are still open,
    or were closed (disqualified) within ``window_days``. Converted leads are customers
    now: ``find_duplicates`` reports those. Three indexed lookups; no scope applied."""
    now = now or timezone.now()
    alive = Q(status__in=OPEN)
    if window_days:
        alive |= Q(status=LeadStatus.DISQUALIFIED, created_at__gte=now - dt.timedelta(days=window_days))
    base = Lead.objects.filter(alive)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    hits: dict[int, list[str]] = {}

    def add(ids, on: str) -> None:
        for pk in ids:
            if on not in hits.setdefault(pk, []):
                hits[pk].append(on)

    key = normalize_name(company)
    if len(key) >= 2:
        add(base.filter(name_normalized=key).values_list("pk", flat=True)[:limit], "company")
    phone_keys = sorted({p for p in (normalize_phone(x) for x in phones) if len(p) >= 7})
    if phone_keys:
        add(base.filter(phone_normalized__in=phone_keys).values_list("pk", flat=True)[:limit], "phone")
    email_keys = sorted({e for e in (normalize_email(x) for x in emails) if "@" in e})
    if email_keys:
        add(base.filter(email_normalized__in=email_keys).values_list("pk", flat=True)[:limit], "email")
    if not hits:
        return []
    rows = Lead.objects.filter(pk__in=list(hits)).select_related("owner").order_by("pk")
    return [
        LeadMatch(
            lead_id=x.pk,
            company=x.company,
            contact_name=x.contact_name,
            owner_name=str(x.owner) if x.owner_id else "",
            status=x.status,
            created_at=x.created_at,
            matched_on=hits[x.pk],
        )
        for x in rows
    ][:limit]


def lead_customer_matches(lead: Lead) -> list[DuplicateMatch]:
    """Existing customers this lead looks like (reported, never merged silently)."""
    return find_duplicates(name=lead.company, phones=[lead.phone], emails=[lead.email])


# --- create, update -------------------------------------------------------------------------


def _default_assign(actor: User, allocation_policy) -> str:
    """A person who receives leads keeps what they found; anyone else's lead goes into the
    turn (or waits for a manager when the policy does not allocate automatically)."""
    if user_roles(actor) & set(allocation_policy.value.roles):
        return "self"
    return "auto" if allocation_policy.value.auto_allocate else "none"


@transaction.atomic
def lead_create(
    *,
    actor: User,
    data: dict[str, Any],
    unit: OrgUnit | None = None,
    assign: str | User | None = None,
    reason: str = "",
    on_duplicate: str | None = None,
    lead_policy=None,
    allocation_policy=None,
    now: dt.datetime | None = None,
) -> Lead:
    """Take in a lead from a channel. Phones and e-mail are normalised, the company name
    keyed; a lead matching an open one is refused, kept as a disqualified duplicate or
    allowed (``lead`` policy, or ``on_duplicate``); a matching *customer* is reported on
    the lead (``lead.customer_matches``) and in the audit row, never merged.

    ``unit`` is the team the lead is for (default: the creator's). ``assign``: ``"self"``
    (the creator keeps it), ``"auto"`` (the turn, ``allocation`` policy), ``"none"``
    (waits for a manager), or a person (a manager's manual assignment). ``None`` picks
    ``self`` for people who receive leads and ``auto`` for everyone else."""
    now = now or timezone.now()
    if not has_perm(actor, OT, Action.CREATE):
        raise PermissionDenied(_("You may not create leads."))
    unknown = set(data) - set(LEAD_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    target = unit or main_unit(actor)
    if target is None:
        raise ValidationError(_("Say which unit the lead is for: you hold no post."), fields={"unit": [_("Required.")]})
    if unit is not None and not unit_in_scope(actor, unit, Action.CREATE):
        raise PermissionDenied(_("%(unit)s is outside your scope.") % {"unit": unit})
    policy = lead_policy or policy_for("lead", unit=target)
    alloc_policy = allocation_policy or policy_for("allocation", unit=target)

    lead = Lead(**data)
    if not lead.source:
        lead.source = LeadSource.OTHER
    _derive(lead)
    _check_content(lead, policy.value)
    _full_clean(lead)

    mode = on_duplicate or policy.value.duplicate_leads
    if mode not in ("refuse", "reject", "allow"):
        raise ValidationError(_("Unknown duplicate handling."), fields={"on_duplicate": [str(mode)]})
    matches = lead_duplicates(
        company=lead.company,
        phones=[lead.phone],
        emails=[lead.email],
        window_days=policy.value.duplicate_window_days,
        now=now,
    )
    if matches and mode == "refuse":
        raise LeadDuplicateFound(matches)

    how = assign if assign is not None else _default_assign(actor, alloc_policy)
    if isinstance(how, str) and how not in ("self", "auto", "none"):
        raise ValidationError(_("Unknown assignment."), fields={"assign": [how]})
    if how == "self" and not (user_roles(actor) or actor.is_superuser):
        raise ValidationError(_("You hold no post, so you cannot keep leads yourself."))

    lead.created_by = actor
    lead.owner_unit = target
    if matches and mode == "reject":
        lead.status = LeadStatus.DISQUALIFIED
        lead.disqualify_reason = DisqualifyReason.DUPLICATE
        lead.disqualify_note = matches[0].describe()[:300]
        how = "none"
    elif how == "self":
        lead.owner = actor
        lead.owner_unit = main_unit(actor) or target
        lead.assigned_at = now
        lead.first_touched_at = now  # whoever found it is already working it
    lead.save()
    customer_matches = lead_customer_matches(lead)
    audit_record(
        actor=actor,
        action="lead.create",
        obj=lead,
        after=snapshot(lead, [f for f in (*LEAD_FIELDS, "status", "owner", "owner_unit", "disqualify_reason")]),
        changes=None,
        reason="; ".join(
            [
                f"lead: {policy.ref}",
                *(f"customer match: {m.describe()}" for m in customer_matches[:3]),
                *(f"lead match: {m.describe()}" for m in matches[:3]),
            ]
        ),
    )
    if isinstance(how, User):
        from .allocation import lead_assign

        lead_assign(actor=actor, lead=lead, to=how, reason=reason, policy=alloc_policy, now=now)
    elif how == "auto":
        from .allocation import lead_allocate

        lead_allocate(actor=None, lead=lead, policy=alloc_policy, now=now, triggered_by=actor)
    lead.refresh_from_db()
    lead.customer_matches = customer_matches  # type: ignore[attr-defined]
    lead.lead_matches = matches  # type: ignore[attr-defined]
    return lead


@transaction.atomic
def lead_update(
    *, actor: User, lead: Lead, data: dict[str, Any], lead_policy=None, now: dt.datetime | None = None
) -> Lead:
    """Edit a lead's details. A new company name, phone or e-mail is checked against other
    leads again (refused when the ``lead`` policy refuses duplicates)."""
    now = now or timezone.now()
    unknown = set(data) - set(LEAD_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not edit this lead."))
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(_("A converted lead is kept as it was; edit the customer instead."))
    policy = lead_policy or policy_for("lead", unit=lead.owner_unit_id)
    before = snapshot(lead, LEAD_FIELDS)
    old = (lead.name_normalized, lead.phone_normalized, lead.email_normalized)
    for key, value in data.items():
        setattr(lead, key, value if value is not None else "")
    _derive(lead)
    _check_content(lead, policy.value)
    _full_clean(lead)
    if policy.value.duplicate_leads == "refuse":
        matches = lead_duplicates(
            company=lead.company if lead.name_normalized != old[0] else "",
            phones=[lead.phone] if lead.phone_normalized != old[1] else [],
            emails=[lead.email] if lead.email_normalized != old[2] else [],
            exclude_id=lead.pk,
            window_days=policy.value.duplicate_window_days,
            now=now,
        )
        if matches:
            raise LeadDuplicateFound(matches)
    _touch(lead, actor, now)
    lead.save()
    changes = diff(before, snapshot(lead, LEAD_FIELDS))
    if changes:
        audit_record(actor=actor, action="lead.update", obj=lead, changes=changes)
    return lead


# --- screening and status -------------------------------------------------------------------


def _move(lead: Lead, to: str) -> None:
    if to not in TRANSITIONS.get(lead.status, set()):
        raise Conflict(
            _("A lead that is %(from)s cannot become %(to)s.")
            % {"from": LeadStatus(lead.status).label, "to": LeadStatus(to).label},
            code="bad_transition",
        )


def _clean_answers(answers: dict[str, Any], policy, actor: User, now: dt.datetime, current: dict) -> dict:
    """Answers as stored: ``{code: {"ok": bool, "note": str, "by": user id, "at": iso}}``;
    only the policy's items, unchanged answers keep who and when."""
    items = {i.code for i in policy.checklist}
    unknown = sorted(set(answers) - items)
    if unknown:
        raise ValidationError(
            _("Unknown checklist items: %(codes)s") % {"codes": ", ".join(unknown)},
            fields={"answers": unknown},
        )
    out = dict(current or {})
    for code, raw in answers.items():
        if isinstance(raw, dict):
            ok, note = bool(raw.get("ok")), str(raw.get("note") or "").strip()[:300]
        else:
            ok, note = bool(raw), ""
        old = out.get(code) or {}
        if old.get("ok") == ok and (old.get("note") or "") == note:
            continue
        out[code] = {"ok": ok, "note": note, "by": actor.pk, "at": now.isoformat()}
    return out


@transaction.atomic
def lead_checklist_update(
    *, actor: User, lead: Lead, answers: dict[str, Any], lead_policy=None, now: dt.datetime | None = None
) -> Lead:
    """Record screening answers (筛选). A new lead being screened is being worked on."""
    now = now or timezone.now()
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not screen this lead."))
    if lead.status not in OPEN:
        raise Conflict(_("Only open leads are screened."), code="bad_transition")
    policy = lead_policy or policy_for("lead", unit=lead.owner_unit_id)
    before = dict(lead.qualification or {})
    lead.qualification = _clean_answers(answers, policy.value, actor, now, before)
    if lead.qualification == before:
        return lead
    old_status = lead.status
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.WORKING
    _touch(lead, actor, now)
    lead.save()
    audit_record(
        actor=actor,
        action="lead.checklist",
        obj=lead,
        changes={
            "qualification": [before, lead.qualification],
            **({"status": [old_status, lead.status]} if old_status != lead.status else {}),
        },
        reason=f"lead: {policy.ref}",
    )
    return lead


@transaction.atomic
def lead_status_set(*, actor: User, lead: Lead, status: str, now: dt.datetime | None = None) -> Lead:
    """Start working a lead, or reopen a disqualified one. Qualifying, disqualifying and
    converting go through their own services (they need a checklist, a reason, a customer)."""
    now = now or timezone.now()
    if status not in (LeadStatus.WORKING, LeadStatus.NEW):
        if status == LeadStatus.QUALIFIED:
            msg = _("Qualify a lead with its checklist.")
        elif status == LeadStatus.DISQUALIFIED:
            msg = _("Disqualify a lead with a reason.")
        elif status == LeadStatus.CONVERTED:
            msg = _("Convert a lead into a customer with the conversion form.")
        else:
            msg = _("Unknown status.")
        raise ValidationError(msg, fields={"status": [msg]})
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not change this lead."))
    if status == lead.status:
        return lead
    if status == LeadStatus.NEW:
        raise Conflict(_("A lead cannot go back to new."), code="bad_transition")
    _move(lead, status)
    before = lead.status
    lead.status = status
    if before == LeadStatus.DISQUALIFIED:
        lead.disqualify_reason = ""
        lead.disqualify_note = ""
    _touch(lead, actor, now)
    lead.save()
    audit_record(actor=actor, action="lead.status", obj=lead, changes={"status": [before, status]})
    return lead


@transaction.atomic
def lead_qualify(
    *,
    actor: User,
    lead: Lead,
    answers: dict[str, Any] | None = None,
    lead_policy=None,
    now: dt.datetime | None = None,
) -> Lead:
    """Mark a lead qualified: the checklist (with ``answers`` applied) must pass the
    ``lead`` policy — every required item, or the minimum number it names."""
    now = now or timezone.now()
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not qualify this lead."))
    if lead.status == LeadStatus.QUALIFIED and not answers:
        return lead
    if lead.status != LeadStatus.QUALIFIED:
        _move(lead, LeadStatus.QUALIFIED)
    policy = lead_policy or policy_for("lead", unit=lead.owner_unit_id)
    before_answers = dict(lead.qualification or {})
    if answers:
        lead.qualification = _clean_answers(answers, policy.value, actor, now, before_answers)
    missing = checklist_missing(lead.qualification, policy.value)
    if missing:
        names = "; ".join(i.display for i in missing)
        msg = _("The checklist is not complete yet: %(items)s.") % {"items": names}
        raise ValidationError(msg, fields={"answers": [i.code for i in missing]}, code="checklist_incomplete")
    before = lead.status
    lead.status = LeadStatus.QUALIFIED
    _touch(lead, actor, now)
    lead.save()
    changes: dict[str, list[Any]] = {"status": [before, lead.status]} if before != lead.status else {}
    if lead.qualification != before_answers:
        changes["qualification"] = [before_answers, lead.qualification]
    audit_record(actor=actor, action="lead.qualify", obj=lead, changes=changes, reason=f"lead: {policy.ref}")
    return lead


@transaction.atomic
def lead_disqualify(*, actor: User, lead: Lead, reason: str, note: str = "", now: dt.datetime | None = None) -> Lead:
    """Disqualify (清洗/淘汰) with a reason: 空号, 同行, 重复, no need, or other (then a note
    saying what)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if reason not in DisqualifyReason.values:
        msg = _("Choose why the lead is disqualified.")
        raise ValidationError(msg, fields={"reason": [msg]})
    if reason == DisqualifyReason.OTHER and not note:
        msg = _("Say what the other reason is.")
        raise ValidationError(msg, fields={"note": [msg]})
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not disqualify this lead."))
    _move(lead, LeadStatus.DISQUALIFIED)
    before = lead.status
    lead.status = LeadStatus.DISQUALIFIED
    lead.disqualify_reason = reason
    lead.disqualify_note = note[:300]
    _touch(lead, actor, now)
    lead.save()
    audit_record(
        actor=actor,
        action="lead.disqualify",
        obj=lead,
        changes={"status": [before, lead.status], "disqualify_reason": ["", reason]},
        reason=note or str(DisqualifyReason(reason).label),
    )
    return lead


def lead_touch(*, actor: User, lead: Lead, now: dt.datetime | None = None) -> bool:
    """Record the first touch when ``actor`` is the assignee (for follow-ups logged on the
    lead). One conditional UPDATE; returns whether it was the first."""
    now = now or timezone.now()
    return bool(
        Lead.objects.filter(pk=lead.pk, owner_id=actor.pk, first_touched_at__isnull=True).update(
            first_touched_at=now, updated_at=now
        )
    )


# --- conversion -----------------------------------------------------------------------------


def lead_customer_defaults(lead: Lead) -> dict[str, Any]:
    """What the conversion form starts with: the customer as the lead describes it."""
    return {
        "name": lead.company or lead.contact_name,
        "kind": CustomerKind.COMPANY if lead.company else CustomerKind.INDIVIDUAL,
        "industry": lead.industry,
        "province": lead.province,
        "city": lead.city,
        "source": lead.source if lead.source in LeadSource.values else "",
    }


def lead_contact_defaults(lead: Lead) -> dict[str, Any]:
    return {
        "name": lead.contact_name,
        "title": lead.title,
        "phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
    }


def _contact_data(lead: Lead, contact_data: dict[str, Any] | None) -> dict[str, Any] | None:
    data = {**lead_contact_defaults(lead), **{k: v for k, v in (contact_data or {}).items() if v is not None}}
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    if not data.get("name"):
        if not (data.get("phone") or data.get("email") or data.get("wechat")):
            return None
        data["name"] = lead.company or _("Contact")
    return {k: v for k, v in data.items() if v not in (None, "")}


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    customer: Customer | None = None,
    customer_data: dict[str, Any] | None = None,
    contact_data: dict[str, Any] | None = None,
    lead_policy=None,
    holding_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Lead:
    """Convert a lead into a customer and contact held by the lead's owner, through
    ``customer_register`` — the duplicate check, the holding cap and the protection
    period apply as to any registration, and a duplicate or conflict is refused with the
    same message and nothing written. Or attach the lead to ``customer``, one the lead's
    owner already holds (its contact is added unless the customer has it already)."""
    now = now or timezone.now()
    lead = _lock(lead)
    _require(actor, lead, Action.EDIT, _("You may not convert this lead."))
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(_("This lead was converted already."), code="already_converted")
    if lead.status == LeadStatus.DISQUALIFIED:
        raise Conflict(_("Reopen a disqualified lead before converting it."), code="bad_transition")
    if lead.owner_id is None:
        raise Conflict(_("Assign the lead to someone before converting it."), code="unassigned")
    policy = lead_policy or policy_for("lead", unit=lead.owner_unit_id)
    if policy.value.convert_requires_qualified and lead.status != LeadStatus.QUALIFIED:
        missing = checklist_missing(lead.qualification, policy.value)
        detail = "; ".join(i.display for i in missing)
        msg = _("Qualify the lead before converting it.")
        if detail:
            msg = _("Qualify the lead before converting it (still open: %(items)s).") % {"items": detail}
        raise Conflict(msg, code="not_qualified")
    owner = User.objects.get(pk=lead.owner_id)
    contact = _contact_data(lead, contact_data)

    if customer is None:
        from .customers import customer_register

        data = {**lead_customer_defaults(lead), **{k: v for k, v in (customer_data or {}).items() if v is not None}}
        customer = customer_register(
            actor=actor,
            data=data,
            owner=owner,
            contact=contact,
            holding_policy=holding_policy,
            protection_policy=protection_policy,
            source_label=_("converted from lead #%(id)s") % {"id": lead.pk},
        )
        contact_obj = Contact.objects.filter(customer=customer).order_by("pk").first()
        attached = False
    else:
        customer = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if customer is None or customer.deleted_at is not None:
            raise NotFound()
        if customer.owner_id != owner.pk:
            raise PermissionDenied(
                _("A lead can only be attached to a customer that %(owner)s holds.") % {"owner": owner},
                code="not_your_customer",
            )
        contact_obj = None
        if contact:
            phones = [normalize_phone(contact.get("phone"))]
            email = normalize_email(contact.get("email"))
            same = Q(pk__in=[])
            if phones[0]:
                same |= Q(phone_normalized=phones[0]) | Q(phone2_normalized=phones[0])
            if email:
                same |= Q(email_normalized=email)
            contact_obj = Contact.objects.filter(customer=customer).filter(same).order_by("pk").first()
            if contact_obj is None:
                from .contacts import contact_create

                contact_obj = contact_create(actor=actor, customer=customer, data=contact)
        attached = True

    before = lead.status
    lead.status = LeadStatus.CONVERTED
    lead.converted_customer = customer
    lead.converted_contact = contact_obj
    lead.converted_at = now
    _touch(lead, actor, now)
    lead.save()
    audit_record(
        actor=actor,
        action="lead.convert",
        obj=lead,
        changes={
            "status": [before, lead.status],
            "converted_customer": [None, customer.pk],
            "converted_contact": [None, contact_obj.pk if contact_obj else None],
            "attached": [None, attached],
        },
        reason=f"lead: {policy.ref}",
    )
    return lead
