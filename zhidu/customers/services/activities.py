"""跟进记录 and 拜访签到: logging follow-ups, visit check-ins from a phone, managers'
comments (点评), the activity types admins edit, and development plans for prospects
(000 §3.1.2).

Whether a follow-up is valid is the ``follow_up`` policy's decision (kind, content,
outcome, how late it was logged, and for visits an unflagged check-in), recorded on the
activity with the policy version and the reason. Only valid follow-ups move the
customer's ``last_valid_follow_up_at`` clock (recycling), extend its protection
(``protection`` policy) and count for KPIs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from zhidu.audit.services import audit_record, snapshot
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import MANAGER_ROLES, has_perm, main_unit, user_roles, visibility

from ..choices import ActivityOutcome, PlanStatus
from ..models import (
    Activity,
    ActivityAttachment,
    ActivityComment,
    ActivityType,
    Collaborator,
    Contact,
    Customer,
    DevelopmentPlan,
    DevelopmentStep,
    Lead,
    VisitCheckIn,
)
from ..policies import policy_for
from ..policies.customers import protected_until_after_follow_up
from ..policies.follow_up import check_in_assess, follow_up_validity
from .pool import EVENT_COMMENTED, EVENT_FOLLOW_UP_DUE, _url, notify_later

OT_ACTIVITY = "customers.activity"
OT_CUSTOMER = "customers.customer"
OT_TYPE = "customers.activitytype"
CLOCK_SKEW = dt.timedelta(minutes=10)
IMAGE_ENDINGS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif")


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc


# --- who may log on what ---------------------------------------------------------------------


def customer_may_log(user, customer: Customer) -> bool:
    """People who work on the customer log follow-ups on it: its owner and those whose
    data scope covers it (managers, assistants, service agents for return visits) and its
    collaborators. Teammates who only read it by policy, and pool members, do not."""
    if not has_perm(user, OT_ACTIVITY, Action.CREATE):
        return False
    if customer.deleted_at is not None or customer.pool_id is not None:
        return False
    if customer.owner_id == user.pk:
        return True
    vis = visibility(user, OT_CUSTOMER, Action.VIEW)
    if vis.allowed and Customer.objects.filter(pk=customer.pk).filter(vis.q()).exists():
        return True
    return Collaborator.objects.filter(customer_id=customer.pk, user_id=user.pk).exists()


def _require_log(actor: User, customer: Customer) -> None:
    if not has_perm(actor, OT_ACTIVITY, Action.CREATE):
        raise PermissionDenied(_("You may not log follow-ups."))
    if customer.deleted_at is not None:
        raise Conflict(_("This customer is in the recycle bin."))
    if customer.pool_id is not None:
        raise Conflict(
            _("%(name)s is in the public pool: claim it before you follow it up.") % {"name": customer.name},
            code="in_pool",
        )
    if not customer_may_log(actor, customer):
        if Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("You may not log follow-ups on this customer."))
        raise NotFound()


def _require_lead(actor: User, lead: Lead) -> None:
    if lead.owner_id == actor.pk:
        return
    if not Lead.objects.filter(pk=lead.pk).visible_to(actor, Action.EDIT).exists():
        raise NotFound()


# --- attachments -----------------------------------------------------------------------------


def _check_files(files: Sequence[Any], policy, *, field: str = "attachments") -> None:
    if len(files) > policy.max_attachments:
        msg = _("At most %(n)d attachments.") % {"n": policy.max_attachments}
        raise ValidationError(msg, fields={field: [msg]})
    limit = policy.max_attachment_mb * 1024 * 1024
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        ending = os.path.splitext(name)[1].lower()
        if ending not in policy.attachment_types:
            msg = _("%(name)s: this kind of file is not allowed (allowed: %(types)s).") % {
                "name": name,
                "types": " ".join(policy.attachment_types),
            }
            raise ValidationError(msg, fields={field: [msg]})
        if (getattr(f, "size", 0) or 0) > limit:
            msg = _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": policy.max_attachment_mb}
            raise ValidationError(msg, fields={field: [msg]})


def _save_files(activity: Activity, files: Iterable[Any], actor: User) -> list[ActivityAttachment]:
    out = []
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "file")[:200]
        att = ActivityAttachment(
            activity=activity,
            name=name,
            size=getattr(f, "size", 0) or 0,
            content_type=(getattr(f, "content_type", "") or "")[:100],
            uploaded_by=actor,
        )
        att.file.save(name, f, save=False)
        att.save()
        out.append(att)
    return out


# --- logging a follow-up --------------------------------------------------------------------


def _apply_to_customer(*, actor: User, activity: Activity, now: dt.datetime, protection_policy=None) -> dict:
    """A valid follow-up moves the customer's clock and extends its protection. Returns
    the changes for the audit row (empty when nothing moved)."""
    changes: dict[str, list] = {}
    if activity.customer_id is None:
        return changes
    c = Customer.objects.select_for_update().get(pk=activity.customer_id)
    if c.last_valid_follow_up_at is None or activity.occurred_at > c.last_valid_follow_up_at:
        changes["last_valid_follow_up_at"] = [c.last_valid_follow_up_at, activity.occurred_at]
        c.last_valid_follow_up_at = activity.occurred_at
    if c.owner_id is not None:
        protection = protection_policy or policy_for("protection", unit=c.owner_unit_id)
        new_until = protected_until_after_follow_up(
            current=c.protected_until,
            received_on=timezone.localdate(c.received_at) if c.received_at else None,
            follow_up_on=timezone.localdate(activity.occurred_at),
            policy=protection.value,
        )
        if new_until != c.protected_until:
            changes["protected_until"] = [c.protected_until, new_until]
            changes["protection_policy"] = [None, protection.ref]
            c.protected_until = new_until
    if c.recycle_warned_at is not None:
        # A new clock: the next approach to recycling warns again.
        changes["recycle_warned_at"] = [c.recycle_warned_at, None]
        c.recycle_warned_at = None
    if changes:
        c.save(update_fields=["last_valid_follow_up_at", "protected_until", "recycle_warned_at", "updated_at"])
        audit_record(
            actor=actor,
            action="customer.follow_up",
            obj=c,
            changes={k: v for k, v in changes.items()},
            reason=f"activity {activity.pk}",
        )
    return changes


def _activity_create(
    *,
    actor: User,
    customer: Customer | None,
    type: ActivityType,
    content: str,
    outcome: str,
    next_step: str,
    next_date: dt.date | None,
    occurred_at: dt.datetime | None,
    contact: Contact | None,
    lead: Lead | None,
    attachments: Sequence[Any],
    check_in: tuple[bool, str] | None,
    follow_up_policy,
    protection_policy,
    now: dt.datetime,
) -> Activity:
    if customer is None and lead is None:
        raise ValidationError(_("A follow-up is about a customer or a lead."), fields={"customer": [_("Required.")]})
    if customer is not None:
        customer = Customer.objects.filter(pk=customer.pk).first() or customer
        _require_log(actor, customer)
    elif not has_perm(actor, OT_ACTIVITY, Action.CREATE):
        raise PermissionDenied(_("You may not log follow-ups."))
    if lead is not None:
        _require_lead(actor, lead)
    if not isinstance(type, ActivityType) or not type.is_active:
        msg = _("Choose an active kind of follow-up.")
        raise ValidationError(msg, fields={"type": [msg]})
    content = (content or "").strip()
    if not content:
        msg = _("Say what happened.")
        raise ValidationError(msg, fields={"content": [msg]})
    if outcome and outcome not in ActivityOutcome.values:
        raise ValidationError(_("Unknown outcome."), fields={"outcome": [_("Unknown outcome.")]})
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + CLOCK_SKEW:
        msg = _("A follow-up cannot happen in the future.")
        raise ValidationError(msg, fields={"occurred_at": [msg]})
    if next_date is not None and next_date < timezone.localdate(occurred_at):
        msg = _("The next date cannot be before the follow-up.")
        raise ValidationError(msg, fields={"next_date": [msg]})
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        msg = _("This contact does not belong to the customer.")
        raise ValidationError(msg, fields={"contact": [msg]})
    fu = follow_up_policy or policy_for("follow_up", unit=main_unit(actor))
    _check_files(attachments, fu.value)

    validity = follow_up_validity(
        type_code=type.code,
        type_counts=type.counts_as_valid,
        type_requires_check_in=type.requires_check_in,
        content=content,
        outcome=outcome,
        occurred_on=timezone.localdate(occurred_at),
        logged_on=timezone.localdate(now),
        check_in_flagged=None if check_in is None else check_in[0],
        check_in_reason="" if check_in is None else check_in[1],
        policy=fu.value,
    )
    activity = Activity(
        owner=actor,
        owner_unit=main_unit(actor),
        customer=customer,
        contact=contact,
        lead=lead,
        type=type,
        occurred_at=occurred_at,
        content=content,
        outcome=outcome or "",
        next_step=(next_step or "").strip(),
        next_date=next_date,
        is_valid=validity.valid,
        validity_reason=validity.reason[:300],
        policy_version_id=fu.version_id,
        policy_ref=fu.ref[:120],
        created_by=actor,
    )
    _full_clean(activity)
    activity.save()
    _save_files(activity, attachments, actor)
    audit_record(
        actor=actor,
        action="activity.log",
        obj=activity,
        after=snapshot(activity),
        reason=f"follow_up: {fu.ref}",
    )
    if customer is not None and activity.is_valid:
        _apply_to_customer(actor=actor, activity=activity, now=now, protection_policy=protection_policy)
    if lead is not None:
        # Only the assignee's own follow-up stops the first-response clock (leads.py).
        from .leads import lead_touch

        lead_touch(actor=actor, lead=lead, now=now)
    return activity


@transaction.atomic
def activity_log(
    *,
    actor: User,
    customer: Customer | None,
    type: ActivityType,
    content: str,
    outcome: str = "",
    next_step: str = "",
    next_date: dt.date | None = None,
    occurred_at: dt.datetime | None = None,
    contact: Contact | None = None,
    lead: Lead | None = None,
    attachments: Sequence[Any] = (),
    follow_up_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Activity:
    """Log a follow-up. Validity per the ``follow_up`` policy; a valid one on a customer
    moves ``last_valid_follow_up_at`` and extends protection (``protection`` policy:
    ``follow_up_extends_days``, never beyond ``max_days_from_receipt``). A visit type
    that requires a check-in is logged through :func:`visit_check_in` to count."""
    return _activity_create(
        actor=actor,
        customer=customer,
        type=type,
        content=content,
        outcome=outcome,
        next_step=next_step,
        next_date=next_date,
        occurred_at=occurred_at,
        contact=contact,
        lead=lead,
        attachments=list(attachments or ()),
        check_in=None,
        follow_up_policy=follow_up_policy,
        protection_policy=protection_policy,
        now=now or timezone.now(),
    )


# --- visit check-in ---------------------------------------------------------------------------


def _coordinate(value: Any, name: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Not a coordinate."), fields={name: [_("Not a coordinate.")]}) from None
    if not (-bound <= d <= bound):
        raise ValidationError(_("Not a coordinate."), fields={name: [_("Out of range.")]})
    return d


@transaction.atomic
def visit_check_in(
    *,
    actor: User,
    customer: Customer,
    latitude: Any = None,
    longitude: Any = None,
    accuracy_m: Any = None,
    client_time: dt.datetime | None = None,
    photo: Any = None,
    content: str = "",
    outcome: str = "",
    next_step: str = "",
    next_date: dt.date | None = None,
    contact: Contact | None = None,
    type: ActivityType | None = None,
    visit_policy=None,
    follow_up_policy=None,
    protection_policy=None,
    now: dt.datetime | None = None,
) -> Activity:
    """拜访签到 from a phone: the server's time, the position the browser gave with its
    accuracy, a photo taken on the spot, and the distance to the customer's pinned
    location computed here. No position, poor accuracy, too far or no photo (``visit``
    policy) flags the check-in with the reason, and the visit does not count."""
    now = now or timezone.now()
    lat = _coordinate(latitude, "latitude", 90)
    lng = _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lng is None):
        raise ValidationError(
            _("Give both latitude and longitude, or neither."), fields={"longitude": [_("Required.")]}
        )
    acc: float | None = None
    if accuracy_m not in (None, ""):
        try:
            acc = float(accuracy_m)
        except (TypeError, ValueError):
            raise ValidationError(_("Not a number."), fields={"accuracy_m": [_("Not a number.")]}) from None
        if acc < 0 or acc != acc:
            raise ValidationError(_("Not a number."), fields={"accuracy_m": [_("Out of range.")]})
    unit = main_unit(actor)
    vp = visit_policy or policy_for("visit", unit=unit)
    if photo is not None:
        name = os.path.basename(getattr(photo, "name", "") or "")
        ctype = getattr(photo, "content_type", "") or ""
        if not (ctype.startswith("image/") or name.lower().endswith(IMAGE_ENDINGS)):
            msg = _("The photo must be an image.")
            raise ValidationError(msg, fields={"photo": [msg]})
        if (getattr(photo, "size", 0) or 0) > vp.value.max_photo_mb * 1024 * 1024:
            msg = _("The photo is larger than %(mb)d MB.") % {"mb": vp.value.max_photo_mb}
            raise ValidationError(msg, fields={"photo": [msg]})
    if type is None:
        type = ActivityType.objects.filter(code="visit").first()
        if type is None:
            raise ValidationError(_("There is no active visit kind of follow-up."), fields={"type": [_("Required.")]})
    customer = Customer.objects.filter(pk=customer.pk).first() or customer
    result = check_in_assess(
        latitude=lat,
        longitude=lng,
        accuracy_m=acc,
        customer_latitude=customer.latitude,
        customer_longitude=customer.longitude,
        has_photo=photo is not None,
        policy=vp.value,
    )
    if not (content or "").strip():
        content = _("Visit check-in")
    activity = _activity_create(
        actor=actor,
        customer=customer,
        type=type,
        content=content,
        outcome=outcome,
        next_step=next_step,
        next_date=next_date,
        occurred_at=now,
        contact=contact,
        lead=None,
        attachments=[],
        check_in=(result.flagged, result.reason),
        follow_up_policy=follow_up_policy,
        protection_policy=protection_policy,
        now=now,
    )
    if client_time is not None and timezone.is_naive(client_time):
        client_time = timezone.make_aware(client_time)
    ci = VisitCheckIn(
        activity=activity,
        user=actor,
        latitude=lat,
        longitude=lng,
        accuracy_m=None if acc is None else min(int(round(acc)), 2_000_000_000),
        checked_in_at=now,
        client_time=client_time,
        distance_m=result.distance_m,
        flagged=result.flagged,
        flag_reason=result.reason,
        policy_version_id=vp.version_id,
    )
    if photo is not None:
        ci.photo.save(os.path.basename(getattr(photo, "name", "") or "photo.jpg")[:100], photo, save=False)
    ci.save()
    audit_record(
        actor=actor,
        action="activity.check_in",
        obj=activity,
        after={
            "distance_m": ci.distance_m,
            "accuracy_m": ci.accuracy_m,
            "flagged": ci.flagged,
            "flag_reason": ci.flag_reason,
            "client_time": client_time,
        },
        reason=f"visit: {vp.ref}",
    )
    return activity


# --- comments (点评) ----------------------------------------------------------------------------


def activity_may_comment(user, activity: Activity) -> bool:
    """Managers comment on their people's follow-ups: a manager role, and the follow-up
    within their data scope, not their own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if activity.owner_id == user.pk:
        return False
    if not (user.is_superuser or user_roles(user) & MANAGER_ROLES):
        return False
    vis = visibility(user, OT_ACTIVITY, Action.VIEW)
    return vis.allowed and Activity.objects.filter(pk=activity.pk).filter(vis.q()).exists()


@transaction.atomic
def activity_comment_add(*, actor: User, activity: Activity, content: str) -> ActivityComment:
    content = (content or "").strip()
    if not content:
        msg = _("Write a comment.")
        raise ValidationError(msg, fields={"content": [msg]})
    if len(content) > 2000:
        msg = _("At most %(n)d characters.") % {"n": 2000}
        raise ValidationError(msg, fields={"content": [msg]})
    if not activity_may_comment(actor, activity):
        if Activity.objects.filter(pk=activity.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("Managers comment on their people's follow-ups."))
        raise NotFound()
    comment = ActivityComment.objects.create(activity=activity, author=actor, content=content)
    audit_record(actor=actor, action="activity.comment", obj=activity, after={"comment": content})
    notify_later(
        recipient_ids=[activity.owner_id],
        event=EVENT_COMMENTED,
        title=_("%(who)s commented on your follow-up") % {"who": actor},
        body=content[:200],
        url=_url("customers:activity_detail", activity.pk),
    )
    return comment


# --- activity types (admin) ---------------------------------------------------------------------

TYPE_FIELDS = ("code", "name", "name_en", "counts_as_valid", "requires_check_in", "is_active", "sort_order")


@transaction.atomic
def activity_type_create(*, actor: User, data: dict[str, Any]) -> ActivityType:
    if not has_perm(actor, OT_TYPE, Action.CREATE):
        raise PermissionDenied(_("You may not add kinds of follow-up."))
    unknown = set(data) - set(TYPE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    t = ActivityType(**data)
    if "sort_order" not in data:
        t.sort_order = (ActivityType.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 10
    _full_clean(t)
    t.save()
    audit_record(actor=actor, action="activity_type.create", obj=t, after=snapshot(t))
    return t


@transaction.atomic
def activity_type_update(*, actor: User, activity_type: ActivityType, data: dict[str, Any]) -> ActivityType:
    if not has_perm(actor, OT_TYPE, Action.EDIT):
        raise PermissionDenied(_("You may not change kinds of follow-up."))
    unknown = set(data) - set(TYPE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "code" in data and data["code"] != activity_type.code:
        msg = _("The code of a kind of follow-up does not change.")
        raise ValidationError(msg, fields={"code": [msg]})
    t = ActivityType.objects.select_for_update().get(pk=activity_type.pk)
    before = snapshot(t)
    for k, v in data.items():
        setattr(t, k, v)
    _full_clean(t)
    t.save()
    audit_record(actor=actor, action="activity_type.update", obj=t, before=before, after=snapshot(t))
    return t


@transaction.atomic
def activity_type_move(*, actor: User, activity_type: ActivityType, up: bool) -> None:
    """Swap with the neighbour above or below; renumbers the list in tens."""
    if not has_perm(actor, OT_TYPE, Action.EDIT):
        raise PermissionDenied(_("You may not change kinds of follow-up."))
    rows = list(ActivityType.objects.select_for_update().order_by("sort_order", "code"))
    idx = next((i for i, r in enumerate(rows) if r.pk == activity_type.pk), None)
    if idx is None:
        raise NotFound()
    other = idx - 1 if up else idx + 1
    if not 0 <= other < len(rows):
        return
    rows[idx], rows[other] = rows[other], rows[idx]
    for i, r in enumerate(rows, start=1):
        if r.sort_order != i * 10:
            ActivityType.objects.filter(pk=r.pk).update(sort_order=i * 10)
    audit_record(
        actor=actor,
        action="activity_type.move",
        obj=activity_type,
        changes={"order": [idx + 1, other + 1]},
    )


# --- development plans (000 §3.1.2) ----------------------------------------------------------------


def _require_plan_edit(actor: User, customer: Customer) -> None:
    if not customer_may_log(actor, customer):
        if Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("You may not plan the development of this customer."))
        raise NotFound()


@transaction.atomic
def development_plan_create(
    *, actor: User, customer: Customer, title: str, goal: str = "", target_date: dt.date | None = None
) -> DevelopmentPlan:
    """客户开发计划 for a prospect: a goal, a target date, then dated steps with owners."""
    _require_plan_edit(actor, customer)
    plan = DevelopmentPlan(
        customer=customer, title=(title or "").strip(), goal=(goal or "").strip(), target_date=target_date,
        created_by=actor,
    )  # fmt: skip
    _full_clean(plan)
    plan.save()
    audit_record(actor=actor, action="development_plan.create", obj=plan, after=snapshot(plan))
    return plan


@transaction.atomic
def development_plan_set_status(*, actor: User, plan: DevelopmentPlan, status: str) -> DevelopmentPlan:
    _require_plan_edit(actor, plan.customer)
    if status not in PlanStatus.values:
        raise ValidationError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    plan = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
    old = plan.status
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="development_plan.status", obj=plan, changes={"status": [old, status]})
    return plan


@transaction.atomic
def development_step_add(
    *,
    actor: User,
    plan: DevelopmentPlan,
    title: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
    notes: str = "",
) -> DevelopmentStep:
    plan = DevelopmentPlan.objects.select_for_update().select_related("customer").get(pk=plan.pk)
    _require_plan_edit(actor, plan.customer)
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict(_("This plan is closed."))
    owner = owner or actor
    if not owner.is_active:
        raise ValidationError(
            _("%(user)s is not an active user.") % {"user": owner}, fields={"owner": [_("Inactive.")]}
        )
    order = (plan.steps.aggregate(m=Max("sort_order"))["m"] or 0) + 10
    step = DevelopmentStep(
        plan=plan, title=(title or "").strip(), owner=owner, due_date=due_date, notes=(notes or "").strip(),
        sort_order=order,
    )  # fmt: skip
    _full_clean(step)
    step.save()
    audit_record(actor=actor, action="development_step.add", obj=plan, after={"step": step.title, "owner": owner.pk})
    return step


@transaction.atomic
def development_step_complete(*, actor: User, step: DevelopmentStep, done: bool = True) -> DevelopmentStep:
    """The step's owner or anyone who works on the customer ticks a step off (or back)."""
    step = DevelopmentStep.objects.select_for_update().select_related("plan__customer").get(pk=step.pk)
    if step.owner_id != actor.pk:
        _require_plan_edit(actor, step.plan.customer)
    was = step.done_at
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done_at"])
    audit_record(
        actor=actor, action="development_step.done" if done else "development_step.reopen", obj=step.plan,
        changes={f"step:{step.pk}": [was, step.done_at]},
    )  # fmt: skip
    return step


# --- reminders ----------------------------------------------------------------------------------


def _record_name(a: Activity) -> str:
    if a.customer is not None:
        return a.customer.name
    return (a.lead.company or a.lead.contact_name) if a.lead is not None else ""


def follow_up_due_remind(*, now: dt.datetime | None = None) -> dict[int, int]:
    """The morning reminder (job ``customers.follow_up_due_remind``): tell each person of
    the next steps falling due today that are theirs to do — by the rule of "my day"
    (``selectors.activities.due_follow_ups_to_remind``), so after a transfer the receiver
    is told, not the previous owner. Returns how many each person was told about."""
    from ..selectors.activities import due_follow_ups_to_remind

    today = timezone.localdate(now or timezone.now())
    told: dict[int, int] = {}
    for person_id, items in sorted(due_follow_ups_to_remind(today=today).items()):
        lines = [
            _("%(name)s: %(step)s")
            % {"name": _record_name(a), "step": a.next_step or pgettext("next step", "follow up")}
            for a in items[:20]
        ]
        notify_later(
            recipient_ids=[person_id],
            event=EVENT_FOLLOW_UP_DUE,
            title=ngettext("%(n)d follow-up due today", "%(n)d follow-ups due today", len(items)) % {"n": len(items)},
            body="\n".join(lines),
            url=_url("customers:my_day"),
        )
        told[person_id] = len(items)
    return told
