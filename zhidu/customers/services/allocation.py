"""销售机会分配: who gets a lead, recorded so that the person can read why (000 §1.3
公平、公正、公开; 004 §1.1).

- ``allocation_decide`` reads everything that chooses the person — the candidates of the
  lead's target unit with their load, capacity, match and why others were skipped — and
  applies the ``allocation`` policy's turn (``policies.allocation.turn_pick``). It writes
  nothing, so a what-if run can pass a draft policy.
- ``lead_allocate`` (automatic, and the reassignment after the first-response deadline)
  and ``lead_assign`` (a manager's choice) write the ``Allocation`` row with the policy
  version, the inputs and a plain-language explanation, move the lead and tell the people
  concerned after the commit.

Races (DESIGN): the candidates' user rows are locked first (``select_for_update``, in id
order so two allocations never deadlock), then the lead; loads and caps are counted
after the locks, so two leads allocated at the same moment cannot both push one person
past a cap.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record
from zhidu.core.errors import ApplicationError, Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import OrgUnit, Post, User
from zhidu.org.permissions import has_perm, main_unit, user_roles

from ..choices import AllocationMethod, Industry, Province
from ..models import Allocation, FairnessSnapshot, Lead
from ..policies import policy_for
from ..policies.allocation import Turn, fair_share, load_window_start, response_deadline, turn_key, turn_pick
from ..policies.customers import holding_cap
from .leads import OPEN, OT, lead_may, unit_in_scope

logger = logging.getLogger(__name__)

EVENT_ASSIGNED = "customers.lead_assigned"
EVENT_REASSIGNED = "customers.lead_reassigned"
EVENT_UNALLOCATED = "customers.lead_unallocated"

AUDIT_ACTIONS: dict[str, str] = {
    AllocationMethod.AUTO.value: "lead.allocate",
    AllocationMethod.MANUAL.value: "lead.assign",
    AllocationMethod.REASSIGN.value: "lead.reassign",
}

# Why someone was not given the lead; the explanation words them (``skip_text``).
SKIP_CODES = (
    "inactive",
    "on_leave",
    "no_capacity",
    "excluded",
    "region",
    "industry",
    "product_line",
    "lead_cap",
    "holding_cap",
    "weaker_match",
)


def register_events() -> None:
    try:
        from zhidu.notifications.registry import register_event
    except ImportError:
        return
    from django.utils.translation import gettext_lazy

    register_event(EVENT_ASSIGNED, gettext_lazy("A lead was assigned to you"), ["in_app", "email"])
    register_event(
        EVENT_REASSIGNED, gettext_lazy("A lead of yours went to someone else after its first-response deadline")
    )
    register_event(EVENT_UNALLOCATED, gettext_lazy("A lead of your unit found nobody to take it"), ["in_app"])


def _notify_later(*, recipient_ids: Iterable[int | None], event: str, title: str, body: str = "", url: str = ""):
    ids = sorted({i for i in recipient_ids if i})
    if not ids:
        return

    def send() -> None:
        try:
            from zhidu.notifications.services import notify
        except ImportError:
            logger.info("notifications app not installed; %s to %s: %s", event, ids, title)
            return
        notify(recipients=ids, event=event, title=title, body=body, url=url)

    transaction.on_commit(send, robust=True)


def _lead_url(lead: Lead) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("customers:lead_detail", args=[lead.pk])
    except NoReverseMatch:
        return ""


def _lead_name(lead: Lead) -> str:
    return lead.company or lead.contact_name or f"#{lead.pk}"


# --- the decision ---------------------------------------------------------------------------


@dataclass
class Candidate:
    user: User
    unit: OrgUnit | None
    capacity: int
    load: int = 0
    open_leads: int = 0
    held: int | None = None
    holding_cap: int | None = None
    last_assigned_at: dt.datetime | None = None
    match: dict[str, int] = field(default_factory=dict)
    skip: str = ""
    skip_detail: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(self.match.values())

    @property
    def eligible(self) -> bool:
        return not self.skip

    def as_json(self, *, total_load: int, total_capacity: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "user_id": self.user.pk,
            "name": str(self.user),
            "unit_id": self.unit.pk if self.unit else None,
            "unit": self.unit.name if self.unit else "",
            "capacity": self.capacity,
            "load": self.load,
            "open_leads": self.open_leads,
            "held": self.held,
            "holding_cap": self.holding_cap,
            "last_assigned_at": self.last_assigned_at.isoformat() if self.last_assigned_at else None,
            "match": dict(self.match),
            "score": self.score,
            "eligible": self.eligible,
            "skip": self.skip,
            "skip_detail": dict(self.skip_detail),
        }
        if self.eligible and total_capacity:
            share = fair_share(self.capacity, total_capacity=total_capacity, leads=total_load + 1)
            out["fair_share"] = round(share, 2)
            out["shortfall"] = round(share - self.load, 2)
        return out


@dataclass
class Decision:
    lead_id: int
    target_unit: OrgUnit
    candidates: list[Candidate]
    chosen: Candidate | None
    window_start: dt.datetime | None
    policy: Any
    exclude_ids: list[int] = field(default_factory=list)

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]

    @property
    def total_load(self) -> int:
        return sum(c.load for c in self.eligible)

    @property
    def total_capacity(self) -> int:
        return sum(c.capacity for c in self.eligible)

    def inputs(self, lead: Lead) -> dict[str, Any]:
        p = self.policy.value
        tl, tc = self.total_load, self.total_capacity
        tied = False
        if self.chosen is not None and len(self.eligible) > 1:
            key = turn_key(self._turn(self.chosen), total_load=tl, total_capacity=tc)[0]
            tied = (
                sum(1 for c in self.eligible if turn_key(self._turn(c), total_load=tl, total_capacity=tc)[0] == key) > 1
            )
        return {
            "target_unit_id": self.target_unit.pk,
            "target_unit": self.target_unit.name,
            "lead": {"province": lead.province, "industry": lead.industry, "product_line": lead.product_line},
            "rules": {
                "match_region": p.match_region,
                "match_industry": p.match_industry,
                "match_product_line": p.match_product_line,
                "balance_over": p.balance_over,
                "max_open_leads": p.max_open_leads,
                "respect_holding_cap": p.respect_holding_cap,
                "roles": list(p.roles),
            },
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "total_load": tl,
            "total_capacity": tc,
            "tie": tied,
            "excluded": list(self.exclude_ids),
            "chosen": self.chosen.user.pk if self.chosen else None,
            "candidates": [c.as_json(total_load=tl, total_capacity=tc) for c in self.candidates],
        }

    @staticmethod
    def _turn(c: Candidate) -> Turn:
        return Turn(user_id=c.user.pk, capacity=c.capacity, load=c.load, last_assigned_at=c.last_assigned_at)


def _candidate_posts(target: OrgUnit, policy, today: dt.date) -> list[Post]:
    """One post per person: those holding a receiving role in ``target`` or below (the
    main post first when someone holds several there)."""
    posts = (
        Post.objects.active(today)
        .filter(unit__path__startswith=target.path, role__in=list(policy.value.roles))
        .select_related("user", "unit")
        .order_by("user_id", "-is_main", "pk")
    )
    seen: dict[int, Post] = {}
    for p in posts:
        seen.setdefault(p.user_id, p)
    return list(seen.values())


def candidate_user_ids(target: OrgUnit, policy, now: dt.datetime) -> list[int]:
    return sorted(p.user_id for p in _candidate_posts(target, policy, timezone.localdate(now)))


def _coverage(units: dict[int, OrgUnit], unit: OrgUnit | None, pick) -> tuple[set[str], str]:
    """The nearest unit (itself, then upwards) for which ``pick(unit)`` names something:
    (the codes, that unit's name); (empty, "") for a generalist."""
    if unit is None:
        return set(), ""
    for uid in reversed(unit.ancestor_ids()):
        u = units.get(uid)
        if u is None:
            continue
        codes = pick(u)
        if codes:
            return set(codes), u.name
    return set(), ""


def _match(c: Candidate, lead: Lead, policy, units: dict[int, OrgUnit]) -> None:
    """Fill ``c.match`` (2 = covers the lead as a specialist, 1 = a generalist who covers
    everything) or skip ``c`` when their declared coverage excludes the lead."""
    p = policy.value
    username = c.user.username
    if p.match_region and lead.province:
        codes, _where = _coverage(units, c.unit, lambda u: [str(x) for x in (u.region_codes or [])])
        if codes and lead.province not in codes:
            c.skip, c.skip_detail = "region", {"province": lead.province}
            return
        c.match["region"] = 2 if codes else 1
    if p.match_industry and lead.industry:
        codes = set(p.industries_by_person.get(username, []))
        if not codes:
            codes, _where = _coverage(units, c.unit, lambda u: p.industries_by_unit.get(u.code, []))
        if codes and lead.industry not in codes:
            c.skip, c.skip_detail = "industry", {"industry": lead.industry}
            return
        c.match["industry"] = 2 if codes else 1
    if p.match_product_line and lead.product_line:
        codes = set(p.product_lines_by_person.get(username, []))
        if not codes:
            codes, _where = _coverage(units, c.unit, lambda u: p.product_lines_by_unit.get(u.code, []))
        if codes and lead.product_line not in codes:
            c.skip, c.skip_detail = "product_line", {"product_line": lead.product_line}
            return
        c.match["product_line"] = 2 if codes else 1


def allocation_decide(
    *,
    lead: Lead,
    target: OrgUnit,
    policy,
    exclude_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> Decision:
    """Who gets ``lead`` under ``policy`` (resolved, or a draft for a what-if), and why
    everyone else did not. Reads only; the caller holds the locks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    p = policy.value
    excluded = sorted(set(exclude_ids))
    posts = _candidate_posts(target, policy, today)
    ids = [post.user_id for post in posts]
    chain_ids = {i for post in posts for i in post.unit.ancestor_ids()}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=sorted(chain_ids))}
    window = load_window_start(p, now)

    if p.balance_over == "open":
        loads = dict(
            Lead.objects.filter(owner_id__in=ids, status__in=OPEN)
            .values("owner_id")
            .annotate(n=Count("id"))
            .values_list("owner_id", "n")
        )
    else:
        loads = dict(
            Allocation.objects.filter(assignee_id__in=ids, at__gte=window, at__lte=now)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
    open_leads = (
        loads
        if p.balance_over == "open"
        else dict(
            Lead.objects.filter(owner_id__in=ids, status__in=OPEN)
            .values("owner_id")
            .annotate(n=Count("id"))
            .values_list("owner_id", "n")
        )
    )
    last = dict(
        Allocation.objects.filter(assignee_id__in=ids)
        .values("assignee_id")
        .annotate(m=Max("at"))
        .values_list("assignee_id", "m")
    )

    candidates: list[Candidate] = []
    for post in posts:
        u = post.user
        c = Candidate(
            user=u,
            unit=post.unit,
            capacity=int(u.capacity or 0),
            load=loads.get(u.pk, 0),
            open_leads=open_leads.get(u.pk, 0),
            last_assigned_at=last.get(u.pk),
        )
        candidates.append(c)
        if not u.is_active:
            c.skip = "inactive"
        elif u.on_leave_until and u.on_leave_until >= today:
            c.skip, c.skip_detail = "on_leave", {"until": u.on_leave_until.isoformat()}
        elif c.capacity <= 0:
            c.skip = "no_capacity"
        elif u.pk in excluded:
            c.skip = "excluded"
        else:
            _match(c, lead, policy, units)
        if c.skip:
            continue
        if p.max_open_leads and c.open_leads >= p.max_open_leads:
            c.skip, c.skip_detail = "lead_cap", {"open": c.open_leads, "cap": p.max_open_leads}
            continue
        if p.respect_holding_cap:
            # The customers app's own holding rule (库容): the same cap and count as
            # registration, claims and transfers use.
            from .customers import customer_held_count

            hp = policy_for("holding", unit=post.unit)
            cap = holding_cap(user_roles(u), hp.value)
            if cap is not None:
                c.holding_cap = cap
                c.held = customer_held_count(u, hp.value)
                if c.held >= cap:
                    c.skip, c.skip_detail = "holding_cap", {"held": c.held, "cap": cap}
                    continue

    eligible = [c for c in candidates if c.eligible]
    if eligible:
        best = max(c.score for c in eligible)
        for c in eligible:
            if c.score < best:
                c.skip = "weaker_match"
    eligible = [c for c in candidates if c.eligible]
    turns = [Decision._turn(c) for c in eligible]
    picked = turn_pick(turns)
    chosen = next((c for c in eligible if picked and c.user.pk == picked.user_id), None)
    return Decision(
        lead_id=lead.pk,
        target_unit=target,
        candidates=candidates,
        chosen=chosen,
        window_start=window,
        policy=policy,
        exclude_ids=excluded,
    )


# --- explanations ("why did I get this?") ----------------------------------------------------


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def skip_text(code: str, detail: dict[str, Any]) -> str:
    if code == "inactive":
        return _("not an active user")
    if code == "on_leave":
        return _("on leave until %(date)s") % {"date": detail.get("until", "")}
    if code == "no_capacity":
        return _("capacity 0: takes no new leads")
    if code == "excluded":
        return _("had this lead before and did not work it in time")
    if code == "region":
        return _("covers other provinces, not %(province)s") % {
            "province": _label(Province, detail.get("province", ""))
        }
    if code == "industry":
        return _("covers other industries, not %(industry)s") % {
            "industry": _label(Industry, detail.get("industry", ""))
        }
    if code == "product_line":
        return _("sells other product lines, not %(line)s") % {"line": detail.get("product_line", "")}
    if code == "lead_cap":
        return _("holds %(open)s open leads; the cap is %(cap)s") % detail
    if code == "holding_cap":
        return _("holds %(held)s customers; the holding cap is %(cap)s") % detail
    if code == "weaker_match":
        return _("others match the lead more closely")
    return code


def _window_text(balance_over: str) -> str:
    return {
        "month": _("received this month"),
        "week": _("received this week"),
        "open": _("open leads held now"),
    }.get(balance_over, balance_over)


def explain(allocation_method: str, inputs: dict[str, Any], *, policy_ref: str = "") -> list[str]:
    """The explanation of an allocation as sentences, in the active language, from the
    inputs recorded with it (so it reads the same whenever it is read)."""
    lines: list[str] = []
    if allocation_method == AllocationMethod.MANUAL:
        lines.append(
            _("%(by)s assigned this lead by hand, outside the automatic turn.") % {"by": inputs.get("by_name", "")}
        )
        if inputs.get("reason"):
            lines.append(_("Their reason: %(reason)s") % {"reason": inputs["reason"]})
        if inputs.get("previous_owner_name"):
            lines.append(_("It was held by %(name)s before.") % {"name": inputs["previous_owner_name"]})
        lines.append(_("Manual assignments count in the fairness report like any other lead received."))
        return lines

    if allocation_method == AllocationMethod.REASSIGN:
        lines.append(
            _("Reassigned automatically: %(name)s did not work the lead by its first-response deadline (%(due)s).")
            % {"name": inputs.get("previous_owner_name", ""), "due": inputs.get("deadline", "")}
        )
    else:
        lines.append(_("Allocated automatically under the policy %(ref)s.") % {"ref": policy_ref or "—"})
    lead = inputs.get("lead", {})
    where = [
        x
        for x in (
            _label(Province, lead.get("province", "")) if lead.get("province") else "",
            _label(Industry, lead.get("industry", "")) if lead.get("industry") else "",
            lead.get("product_line", ""),
        )
        if x
    ]
    cands = inputs.get("candidates", [])
    eligible = [c for c in cands if c.get("eligible")]
    lines.append(
        _("The lead (%(what)s) was for %(unit)s, where %(n)d people receive leads; %(m)d of them could take it.")
        % {
            "what": ", ".join(where) or _("no region, industry or product line given"),
            "unit": inputs.get("target_unit", ""),
            "n": len(cands),
            "m": len(eligible),
        }
    )
    rules = inputs.get("rules", {})
    dims = [
        label
        for key, field, label in (
            ("match_region", "province", _("region")),
            ("match_industry", "industry", _("industry")),
            ("match_product_line", "product_line", _("product line")),
        )
        if rules.get(key) and lead.get(field)
    ]
    if dims:
        lines.append(
            _("Matching by %(dims)s: people who cover the lead come before those who cover everything.")
            % {"dims": ", ".join(dims)}
        )
    chosen = next((c for c in cands if c.get("user_id") == inputs.get("chosen")), None)
    if chosen is not None:
        lines.append(
            _(
                "Leads go in turn by capacity. Counting this lead, %(total)d leads (%(window)s) are shared among "
                "people with a total capacity of %(cap)d. %(name)s, with capacity %(c)d, had %(load)d against a "
                "fair share of %(share)s — the furthest below their share."
            )
            % {
                "total": inputs.get("total_load", 0) + 1,
                "window": _window_text(rules.get("balance_over", "")),
                "cap": inputs.get("total_capacity", 0),
                "name": chosen.get("name", ""),
                "c": chosen.get("capacity", 0),
                "load": chosen.get("load", 0),
                "share": chosen.get("fair_share", ""),
            }
        )
        if inputs.get("tie"):
            lines.append(
                _("Others were as far below their share; the lead went to whoever had waited longest for one.")
            )
    else:
        lines.append(_("Nobody could take the lead; it waits for a manager to assign it."))
    skipped = [c for c in cands if not c.get("eligible")]
    if skipped:
        lines.append(
            _("Not considered: %(list)s.")
            % {"list": "; ".join(f"{c['name']} ({skip_text(c['skip'], c.get('skip_detail') or {})})" for c in skipped)}
        )
    return lines


def _explanation_text(method: str, inputs: dict[str, Any], policy_ref: str) -> str:
    """Stored with the allocation in the company's language (the page re-renders it in
    the reader's language from the inputs)."""
    with translation.override(settings.LANGUAGE_CODE):
        return "\n".join(explain(method, inputs, policy_ref=policy_ref))


# --- writing an allocation ----------------------------------------------------------------


def target_unit_of(lead: Lead) -> OrgUnit:
    """The unit a lead is allocated within: the one its current allocation was for, else
    its unit; a lead with neither goes to the whole company (the root unit)."""
    if lead.allocation_id:
        target_id = (
            Allocation.objects.filter(pk=lead.allocation_id).values_list("inputs__target_unit_id", flat=True).first()
        )
        if target_id:
            unit = OrgUnit.objects.filter(pk=target_id).first()
            if unit is not None:
                return unit
    if lead.owner_unit_id:
        return OrgUnit.objects.get(pk=lead.owner_unit_id)
    root = OrgUnit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
    if root is None:
        raise ValidationError(_("There is no org unit to allocate the lead within."))
    return root


def _lock_people(ids: Iterable[int]) -> None:
    """Per-person quotas are locked first, in id order (DESIGN: races)."""
    ids = sorted(set(ids))
    if ids:
        list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _heads_of(unit: OrgUnit) -> list[int]:
    """The nearest head of ``unit`` or a unit above it."""
    chain = unit.ancestor_ids()
    heads = dict(OrgUnit.objects.filter(pk__in=chain, head__isnull=False).values_list("pk", "head_id"))
    for uid in reversed(chain):
        if uid in heads:
            return [heads[uid]]
    return []


def _apply(
    *,
    lead: Lead,
    to: User,
    unit: OrgUnit | None,
    method: str,
    actor: User | None,
    policy,
    inputs: dict[str, Any],
    now: dt.datetime,
) -> Allocation:
    explanation = _explanation_text(method, inputs, policy.ref)
    allocation = Allocation.objects.create(
        lead=lead,
        assignee=to,
        assignee_unit=unit,
        assigned_by=actor if method == AllocationMethod.MANUAL else None,
        method=method,
        policy_version_id=policy.version_id,
        policy_ref=policy.ref[:120],
        inputs=inputs,
        explanation=explanation,
        at=now,
    )
    previous = lead.owner_id
    due = response_deadline(now, policy.value)
    Lead.objects.filter(pk=lead.pk).update(
        owner=to,
        owner_unit=unit,
        assigned_at=now,
        first_response_due=due,
        first_touched_at=None,
        allocation=allocation,
        updated_at=now,
    )
    lead.owner_id, lead.owner_unit, lead.assigned_at = to.pk, unit, now
    lead.first_response_due, lead.first_touched_at, lead.allocation = due, None, allocation
    audit_record(
        actor=actor,
        action=AUDIT_ACTIONS[str(method)],
        obj=lead,
        changes={
            "owner": [previous, to.pk],
            "allocation": [None, allocation.pk],
            "first_response_due": [None, due],
        },
        reason=f"allocation: {policy.ref}",
    )
    body = (
        _("Work it by %(due)s, or it goes to the next person in turn.")
        % {"due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}"}
        if due
        else ""
    )
    _notify_later(
        recipient_ids=[to.pk],
        event=EVENT_ASSIGNED,
        title=_("New lead for you: %(name)s") % {"name": _lead_name(lead)},
        body=body,
        url=_lead_url(lead),
    )
    return allocation


def _unassign(*, lead: Lead, target: OrgUnit, actor: User | None, why: str, inputs: dict[str, Any], now) -> None:
    """Nobody can take the lead: it waits, unassigned, in its target unit for a manager."""
    previous = lead.owner_id
    Lead.objects.filter(pk=lead.pk).update(
        owner=None,
        owner_unit=target,
        assigned_at=None,
        first_response_due=None,
        first_touched_at=None,
        allocation=None,
        updated_at=now,
    )
    lead.owner_id, lead.owner_unit, lead.allocation = None, target, None
    audit_record(
        actor=actor,
        action="lead.unallocated",
        obj=lead,
        changes={"owner": [previous, None], "inputs": [None, inputs]},
        reason=why,
    )
    _notify_later(
        recipient_ids=_heads_of(target),
        event=EVENT_UNALLOCATED,
        title=_("Nobody could take the lead %(name)s: assign it by hand") % {"name": _lead_name(lead)},
        body=why,
        url=_lead_url(lead),
    )


@transaction.atomic
def lead_allocate(
    *,
    actor: User | None,
    lead: Lead,
    policy=None,
    now: dt.datetime | None = None,
    triggered_by: User | None = None,
) -> Allocation | None:
    """Allocate an unassigned lead automatically (the turn). ``actor`` is a manager who
    pressed "allocate" (needs ``assign`` on the lead); ``None`` is the system — then
    ``triggered_by`` is who created the lead, for the audit row. Returns the allocation,
    or ``None`` when nobody could take it (the lead stays with its unit and the manager
    is told why)."""
    now = now or timezone.now()
    current = Lead.objects.filter(pk=lead.pk).first()
    if current is None:
        raise NotFound()
    if actor is not None:
        if not has_perm(actor, OT, Action.ASSIGN):
            raise PermissionDenied(_("You may not assign leads."))
        if not lead_may(actor, current, Action.ASSIGN):
            if lead_may(actor, current, Action.VIEW):
                raise PermissionDenied(_("This lead is outside your scope."))
            raise NotFound()
    target = target_unit_of(current)
    policy = policy or policy_for("allocation", unit=target)
    _lock_people(candidate_user_ids(target, policy, now))
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.owner_id is not None:
        raise Conflict(_("%(name)s was assigned a moment ago.") % {"name": _lead_name(locked)}, code="already_assigned")
    if locked.status not in OPEN:
        raise Conflict(_("Only open leads are allocated."), code="bad_transition")
    decision = allocation_decide(lead=locked, target=target, policy=policy, now=now)
    inputs = decision.inputs(locked)
    who = actor or triggered_by
    if decision.chosen is None:
        why = " ".join(explain(AllocationMethod.AUTO, inputs, policy_ref=policy.ref))
        _unassign(lead=locked, target=target, actor=who, why=why, inputs=inputs, now=now)
        lead.owner_id, lead.allocation = None, None
        return None
    allocation = _apply(
        lead=locked,
        to=decision.chosen.user,
        unit=decision.chosen.unit,
        method=AllocationMethod.AUTO,
        actor=who,
        policy=policy,
        inputs=inputs,
        now=now,
    )
    lead.owner_id, lead.allocation = locked.owner_id, allocation
    return allocation


def person_in_scope(actor: User, person: User) -> bool:
    """Whether ``person`` works in a unit within ``actor``'s scope for assigning leads."""
    if person.pk == actor.pk:
        return True
    posts = Post.objects.active().filter(user=person).select_related("unit")
    return any(unit_in_scope(actor, p.unit, Action.ASSIGN) for p in posts)


@transaction.atomic
def lead_assign(
    *,
    actor: User,
    lead: Lead,
    to: User,
    reason: str = "",
    policy=None,
    now: dt.datetime | None = None,
) -> Allocation:
    """A manager gives a lead to someone by hand (``assign`` permission; the lead and the
    person within their units). The caps still apply: the open-lead cap of the
    ``allocation`` policy and the ``holding`` cap (库容) — refused with the reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not has_perm(actor, OT, Action.ASSIGN):
        raise PermissionDenied(_("You may not assign leads."))
    current = Lead.objects.filter(pk=lead.pk).first()
    if current is None:
        raise NotFound()
    if not lead_may(actor, current, Action.ASSIGN):
        if lead_may(actor, current, Action.VIEW):
            raise PermissionDenied(_("This lead is outside your scope."))
        raise NotFound()
    if not to.is_active:
        raise ValidationError(_("%(user)s is not an active user.") % {"user": to}, fields={"to": [_("Inactive.")]})
    if not person_in_scope(actor, to):
        raise PermissionDenied(_("%(user)s is outside your units.") % {"user": to})
    unit = main_unit(to)
    policy = policy or policy_for("allocation", unit=target_unit_of(current))
    _lock_people([to.pk])
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status not in OPEN:
        raise Conflict(_("Only open leads are assigned."), code="bad_transition")
    if locked.owner_id == to.pk:
        raise Conflict(_("%(user)s holds this lead already.") % {"user": to}, code="already_assigned")
    p = policy.value
    open_now = Lead.objects.filter(owner=to, status__in=OPEN).count()
    if p.max_open_leads and open_now >= p.max_open_leads:
        raise LimitExceeded(
            _("%(user)s holds %(open)d open leads; the cap is %(cap)d (policy %(ref)s).")
            % {"user": to, "open": open_now, "cap": p.max_open_leads, "ref": policy.ref},
            code="lead_cap",
        )
    if p.respect_holding_cap:
        from .customers import holding_cap_check

        holding_cap_check(owner=to, adding=1)
    previous = User.objects.filter(pk=locked.owner_id).first() if locked.owner_id else None
    target = target_unit_of(locked)
    inputs = {
        "target_unit_id": target.pk,
        "target_unit": target.name,
        "by": actor.pk,
        "by_name": str(actor),
        "reason": reason,
        "previous_owner_id": previous.pk if previous else None,
        "previous_owner_name": str(previous) if previous else "",
        "open_leads": open_now,
        "max_open_leads": p.max_open_leads,
        "on_leave_until": to.on_leave_until.isoformat() if to.on_leave_until else None,
    }
    allocation = _apply(
        lead=locked,
        to=to,
        unit=unit,
        method=AllocationMethod.MANUAL,
        actor=actor,
        policy=policy,
        inputs=inputs,
        now=now,
    )
    if previous is not None and previous.pk != actor.pk:
        _notify_later(
            recipient_ids=[previous.pk],
            event=EVENT_REASSIGNED,
            title=_("%(actor)s gave your lead %(name)s to %(user)s")
            % {"actor": actor, "name": _lead_name(locked), "user": to},
            body=reason,
            url=_lead_url(locked),
        )
    return allocation


@dataclass
class RowResult:
    lead_id: int
    ok: bool
    message: str


def lead_assign_bulk(
    *, actor: User, lead_ids: Iterable[int], to: User | None, reason: str = "", now: dt.datetime | None = None
) -> list[RowResult]:
    """Assign many leads at once (to one person, or ``to=None``: each through the turn).
    Each lead is its own transaction; the result says per row what happened."""
    now = now or timezone.now()
    if not has_perm(actor, OT, Action.ASSIGN):
        raise PermissionDenied(_("You may not assign leads."))
    results: list[RowResult] = []
    for pk in sorted({int(i) for i in lead_ids}):
        lead = Lead.objects.filter(pk=pk).first()
        try:
            if lead is None:
                raise NotFound()
            if to is None:
                if lead.owner_id is not None:
                    raise Conflict(_("Already assigned: choose a person to move it."), code="already_assigned")
                a = lead_allocate(actor=actor, lead=lead, now=now)
                if a is None:
                    results.append(RowResult(pk, False, _("Nobody could take it.")))
                    continue
                results.append(RowResult(pk, True, _("Allocated to %(user)s.") % {"user": a.assignee}))
            else:
                lead_assign(actor=actor, lead=lead, to=to, reason=reason, now=now)
                results.append(RowResult(pk, True, _("Assigned to %(user)s.") % {"user": to}))
        except ApplicationError as exc:
            results.append(RowResult(pk, False, str(exc.message)))
    return results


# --- the first-response deadline ------------------------------------------------------------


@transaction.atomic
def lead_reassign(*, lead: Lead | int, now: dt.datetime | None = None, policy=None) -> Allocation | None:
    """An untouched lead past its first-response deadline goes to the next person in turn,
    never back to anyone who already had it (method ``reassign``); both people are told.
    After ``max_reassignments`` — or when nobody is left — it waits for the manager.
    Does nothing (returns ``None``) if the lead was worked or moved meanwhile."""
    now = now or timezone.now()
    pk = lead.pk if isinstance(lead, Lead) else lead
    current = Lead.objects.filter(pk=pk).first()
    if current is None or not _overdue(current, now):
        return None
    target = target_unit_of(current)
    policy = policy or policy_for("allocation", unit=target)
    if not policy.value.reassign_untouched:
        return None
    _lock_people(candidate_user_ids(target, policy, now))
    locked = Lead.objects.select_for_update().get(pk=pk)
    if not _overdue(locked, now) or locked.owner_id != current.owner_id:
        return None
    previous = User.objects.get(pk=current.owner_id or 0)
    had = set(Allocation.objects.filter(lead=locked).values_list("assignee_id", flat=True)) | {previous.pk}
    done = Allocation.objects.filter(lead=locked, method=AllocationMethod.REASSIGN).count()
    due = locked.first_response_due
    due_text = f"{timezone.localtime(due):%Y-%m-%d %H:%M}" if due else ""
    decision = allocation_decide(lead=locked, target=target, policy=policy, exclude_ids=had, now=now)
    inputs = {
        **decision.inputs(locked),
        "previous_owner_id": previous.pk,
        "previous_owner_name": str(previous),
        "deadline": due_text,
        "reassignments_before": done,
    }
    if done >= policy.value.max_reassignments or decision.chosen is None:
        if done >= policy.value.max_reassignments:
            why = _(
                "%(name)s did not work the lead by %(due)s and it was reassigned %(n)d times already (the policy's "
                "limit): it waits for a manager."
            ) % {"name": previous, "due": due_text, "n": done}
        else:
            why = _("%(name)s did not work the lead by %(due)s and nobody else could take it.") % {
                "name": previous,
                "due": due_text,
            }
        _unassign(lead=locked, target=target, actor=None, why=why, inputs=inputs, now=now)
        _notify_later(
            recipient_ids=[previous.pk],
            event=EVENT_REASSIGNED,
            title=_("The lead %(name)s was taken back: it was not worked by %(due)s")
            % {"name": _lead_name(locked), "due": due_text},
            url="",
        )
        return None
    allocation = _apply(
        lead=locked,
        to=decision.chosen.user,
        unit=decision.chosen.unit,
        method=AllocationMethod.REASSIGN,
        actor=None,
        policy=policy,
        inputs=inputs,
        now=now,
    )
    _notify_later(
        recipient_ids=[previous.pk],
        event=EVENT_REASSIGNED,
        title=_("The lead %(name)s went to %(user)s: it was not worked by %(due)s")
        % {"name": _lead_name(locked), "user": decision.chosen.user, "due": due_text},
        url="",
    )
    return allocation


def _overdue(lead: Lead, now: dt.datetime) -> bool:
    return (
        lead.owner_id is not None
        and lead.status in OPEN
        and lead.first_touched_at is None
        and lead.first_response_due is not None
        and lead.first_response_due <= now
    )


@dataclass
class ReassignReport:
    examined: int = 0
    reassigned: int = 0
    returned: int = 0
    errors: int = 0


def lead_reassign_overdue(*, now: dt.datetime | None = None, limit: int = 1000) -> ReassignReport:
    """The scheduled job: every untouched lead past its deadline, oldest deadline first,
    each in its own transaction. Idempotent: a reassigned lead has a new deadline, a
    returned one has none, so a second run at the same moment finds nothing."""
    now = now or timezone.now()
    report = ReassignReport()
    ids = list(
        Lead.objects.filter(
            status__in=OPEN,
            owner__isnull=False,
            first_touched_at__isnull=True,
            first_response_due__lte=now,
        )
        .order_by("first_response_due", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    from zhidu.policies.selectors import policy_cache

    with policy_cache():
        for pk in ids:
            report.examined += 1
            try:
                result = lead_reassign(lead=pk, now=now)
            except ApplicationError:
                logger.exception("lead %s could not be reassigned", pk)
                report.errors += 1
                continue
            if result is not None:
                report.reassigned += 1
            elif not Lead.objects.filter(pk=pk, owner__isnull=False).exists():
                report.returned += 1
    return report


# --- fairness snapshots ------------------------------------------------------------------------


def fairness_snapshot_save(*, unit: OrgUnit, period) -> FairnessSnapshot:
    """Record (or refresh) the fairness figures of ``unit`` for a closed ``period``."""
    from ..selectors.leads import fairness_report

    report = fairness_report(unit=unit, period=period)
    snap, _created = FairnessSnapshot.objects.update_or_create(
        unit=unit,
        period_start=period.start,
        period_end=period.end,
        defaults={
            "policy_version_id": report.policy_version_id,
            "rows": [r.as_dict() for r in report.rows],
            "gini": report.gini,
            "computed_at": timezone.now(),
        },
    )
    return snap


def fairness_snapshot_closed(*, now: dt.datetime | None = None) -> int:
    """The daily job: the figures of last week and last month for every unit that
    allocated leads in them. Idempotent (one row per unit and period, refreshed)."""
    from ..selectors.leads import period_of

    today = timezone.localdate(now or timezone.now())
    written = 0
    for kind in ("week", "month"):
        period = period_of(kind, today).previous
        paths = (
            Allocation.objects.filter(at__gte=period.since, at__lt=period.until, assignee_unit__isnull=False)
            .values_list("assignee_unit__path", flat=True)
            .distinct()
        )
        ids = sorted({int(x) for path in paths for x in path.strip("/").split("/") if x})
        for unit in OrgUnit.objects.filter(pk__in=ids, is_active=True).order_by("path"):
            with transaction.atomic():
                fairness_snapshot_save(unit=unit, period=period)
            written += 1
    return written


register_events()
