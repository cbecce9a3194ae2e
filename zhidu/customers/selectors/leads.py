"""Reads of leads, their allocations and the fairness report, always scoped.

Fairness (000 §1.3 公平、公正、公开): for one unit and one period (a week or a month,
business dates), per person who receives leads there: leads received, their capacity and
its share, the fair share by capacity, the difference, and how many of those leads were
converted since. The dispersion figure is the Gini coefficient of received ÷ capacity
(0 = everyone got exactly their share; towards 1 = a few got everything). The report is
open to the people it concerns: a person sees their own teams' reports, a manager the
units in their scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.core.errors import NotFound, PermissionDenied
from zhidu.core.filters import apply_filters
from zhidu.org.choices import Action, DataScope
from zhidu.org.models import OrgUnit, Post
from zhidu.org.permissions import MANAGER_ROLES, active_posts, has_perm, role_scopes

from ..choices import LeadStatus
from ..filtersets.leads import LeadFilterSet
from ..models import Activity, Allocation, Lead
from ..policies import policy_for
from ..services.leads import OT, lead_may


def lead_list(*, user, filters: dict[str, Any] | None = None, request=None) -> QuerySet[Lead]:
    """The leads ``user`` may see (own; team, subtree or all by the data scope; the
    assignee always sees theirs), filtered by the one ``LeadFilterSet``."""
    qs = Lead.objects.visible_to(user, Action.VIEW)
    qs = apply_filters(LeadFilterSet, filters or {}, qs, request=request)
    if not (filters or {}).get("ordering"):
        qs = qs.order_by("-created_at", "-id")
    return qs.select_related("owner", "owner_unit")


def lead_get(*, user, pk: int, action: str = Action.VIEW) -> Lead:
    lead = (
        Lead.objects.select_related("owner", "owner_unit", "allocation", "converted_customer", "created_by")
        .filter(pk=pk)
        .first()
    )
    if lead is None or not lead_may(user, lead, Action.VIEW):
        raise NotFound()
    if action != Action.VIEW and not lead_may(user, lead, action):
        raise PermissionDenied()
    return lead


def lead_can(user, lead: Lead, action: str) -> bool:
    if action == Action.ASSIGN and not has_perm(user, OT, Action.ASSIGN):
        return False
    return lead_may(user, lead, action)


def lead_allocations(lead: Lead) -> list[Allocation]:
    return list(
        Allocation.objects.filter(lead=lead).select_related("assignee", "assigned_by", "assignee_unit").order_by("-at")
    )


def lead_activities(lead: Lead, limit: int = 50) -> list[Activity]:
    return list(
        Activity.objects.filter(lead=lead).select_related("type", "owner").order_by("-occurred_at", "-id")[:limit]
    )


def allocation_for_viewer(allocation: Allocation) -> dict[str, Any]:
    """An allocation ready to show: the explanation in the reader's language, the
    candidates with their skip reasons worded."""
    from ..services.allocation import explain, skip_text

    candidates = []
    for c in allocation.inputs.get("candidates", []):
        candidates.append({**c, "skip_text": skip_text(c["skip"], c.get("skip_detail") or {}) if c.get("skip") else ""})
    return {
        "allocation": allocation,
        "lines": explain(allocation.method, allocation.inputs, policy_ref=allocation.policy_ref),
        "candidates": candidates,
        "chosen": allocation.inputs.get("chosen"),
        "window": allocation.inputs.get("rules", {}).get("balance_over", ""),
    }


# --- fairness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # "week" or "month"
    start: dt.date
    end: dt.date  # inclusive

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1))

    @property
    def next(self) -> Period:
        return period_of(self.kind, self.end + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def period_of(kind: str, day: dt.date | None = None) -> Period:
    day = day or timezone.localdate()
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period("week", start, start + dt.timedelta(days=6))
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return Period("month", start, nxt - dt.timedelta(days=1))


def gini(values: list[Fraction | int]) -> Fraction | None:
    """Gini coefficient of non-negative values: Σᵢ Σⱼ |xᵢ − xⱼ| ÷ (2 n Σ x). Exact
    (fractions). ``None`` when there is nothing to spread (no people or no leads)."""
    xs = sorted(Fraction(v) for v in values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return None
    # Sorted: Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σᵢ (2i − n + 1) xᵢ for i = 0 … n − 1.
    pairs = 2 * sum((2 * i - n + 1) * x for i, x in enumerate(xs))
    return pairs / (2 * n * total)


def _dec(x: Fraction | None, places: str = "0.0001") -> Decimal | None:
    if x is None:
        return None
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _dec_of(x: Fraction, places: str = "0.0001") -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class FairnessRow:
    user_id: int
    name: str
    unit: str
    capacity: int
    received: int
    converted: int
    share: Decimal  # of the total capacity, 0–1
    expected: Decimal  # fair share of the leads received by everyone
    deviation: Decimal  # received − expected
    per_capacity: Decimal | None  # received ÷ capacity
    on_leave: bool = False
    active: bool = True

    @property
    def conversion_rate(self) -> Decimal | None:
        if not self.received:
            return None
        return (Decimal(self.converted) / Decimal(self.received)).quantize(Decimal("0.0001"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "unit": self.unit,
            "capacity": self.capacity,
            "received": self.received,
            "converted": self.converted,
            "share": str(self.share),
            "expected": str(self.expected),
            "deviation": str(self.deviation),
            "per_capacity": str(self.per_capacity) if self.per_capacity is not None else None,
            "conversion_rate": str(self.conversion_rate) if self.conversion_rate is not None else None,
            "on_leave": self.on_leave,
            "active": self.active,
        }


@dataclass
class FairnessReport:
    unit: OrgUnit
    period: Period
    rows: list[FairnessRow]
    gini: Decimal | None
    total_received: int
    total_capacity: int
    total_converted: int
    by_method: dict[str, int] = field(default_factory=dict)
    policy_ref: str = ""
    policy_version_id: int | None = None

    @property
    def conversion_rate(self) -> Decimal | None:
        if not self.total_received:
            return None
        return (Decimal(self.total_converted) / Decimal(self.total_received)).quantize(Decimal("0.0001"))

    def chart(self) -> dict[str, Any]:
        """ECharts option: leads received and the fair share by capacity, per person."""
        from zhidu.core.widgets import PALETTE

        names = [r.name for r in self.rows]
        return {
            "color": [PALETTE[0], PALETTE[5]],
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"show": False},
            "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 45}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "name": _("Received"),
                    "type": "bar",
                    "barMaxWidth": 28,
                    "data": [r.received for r in self.rows],
                },
                {
                    "name": _("Fair share by capacity"),
                    "type": "bar",
                    "barMaxWidth": 28,
                    "itemStyle": {"color": PALETTE[5]},
                    "data": [float(r.expected) for r in self.rows],
                },
            ],
        }

    def legend(self) -> list[dict]:
        return [{"name": _("Received"), "swatch": 0}, {"name": _("Fair share by capacity"), "swatch": 5}]

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "unit": self.unit.name,
            "period": self.period.kind,
            "start": self.period.start,
            "end": self.period.end,
            "total_received": self.total_received,
            "total_capacity": self.total_capacity,
            "total_converted": self.total_converted,
            "conversion_rate": str(self.conversion_rate) if self.conversion_rate is not None else None,
            "gini": str(self.gini) if self.gini is not None else None,
            "by_method": dict(self.by_method),
            "policy_ref": self.policy_ref,
            "rows": [r.as_dict() for r in self.rows],
        }


def fairness_report(*, unit: OrgUnit, period: Period, policy=None) -> FairnessReport:
    """The fairness figures of ``unit`` (and the units below it) for ``period``. People:
    those holding a receiving role there now (``allocation`` policy), plus anyone who
    received leads there in the period. Four queries whatever the size of the unit."""
    policy = policy or policy_for("allocation", unit=unit)
    roles = list(policy.value.roles)
    allocations = Allocation.objects.filter(
        assignee_unit__path__startswith=unit.path, at__gte=period.since, at__lt=period.until
    )
    received: dict[int, dict[str, int]] = {
        r["assignee_id"]: {"n": r["n"], "conv": r["conv"]}
        for r in allocations.values("assignee_id").annotate(
            n=Count("id"),
            conv=Count(
                "lead",
                filter=Q(lead__status=LeadStatus.CONVERTED, lead__owner_id=F("assignee_id")),
                distinct=True,
            ),
        )
    }
    by_method = dict(allocations.values("method").annotate(n=Count("id")).values_list("method", "n"))
    posts = (
        Post.objects.active()
        .filter(Q(unit__path__startswith=unit.path, role__in=roles) | Q(user_id__in=list(received)))
        .select_related("user", "unit")
        .order_by("user_id", "-is_main", "pk")
    )
    people: dict[int, Post] = {}
    for p in posts:
        if p.user_id in people:
            continue
        people[p.user_id] = p
    missing = set(received) - set(people)
    extra_users = {}
    if missing:
        from zhidu.org.models import User

        extra_users = {u.pk: u for u in User.objects.filter(pk__in=sorted(missing))}

    today = timezone.localdate()
    entries: list[tuple[Any, str, int]] = []
    for uid, post in people.items():
        entries.append((post.user, post.unit.name, uid))
    for uid, user in extra_users.items():
        entries.append((user, "", uid))
    total_capacity = sum(int(u.capacity or 0) for u, _n, _i in entries)
    total_received = sum(r["n"] for r in received.values())
    rows: list[FairnessRow] = []
    for user, unit_name, uid in entries:
        cap = int(user.capacity or 0)
        got = received.get(uid, {}).get("n", 0)
        share = Fraction(cap, total_capacity) if total_capacity else Fraction(0)
        expected = share * total_received
        rows.append(
            FairnessRow(
                user_id=uid,
                name=str(user),
                unit=unit_name,
                capacity=cap,
                received=got,
                converted=received.get(uid, {}).get("conv", 0),
                share=_dec_of(share),
                expected=_dec_of(expected, "0.01"),
                deviation=_dec_of(got - expected, "0.01"),
                per_capacity=_dec(Fraction(got, cap)) if cap else None,
                on_leave=bool(user.on_leave_until and user.on_leave_until >= today),
                active=user.is_active,
            )
        )
    rows.sort(key=lambda r: (-r.received, r.name, r.user_id))
    g = gini([Fraction(r.received, r.capacity) for r in rows if r.capacity > 0])
    return FairnessReport(
        unit=unit,
        period=period,
        rows=rows,
        gini=_dec(g),
        total_received=total_received,
        total_capacity=total_capacity,
        total_converted=sum(r.converted for r in rows),
        by_method=by_method,
        policy_ref=policy.ref,
        policy_version_id=policy.version_id,
    )


def fairness_units_for(user) -> list[OrgUnit]:
    """The units whose fairness report ``user`` may read (000 §1.3 公开): the units they
    hold a post in; for managers, every unit in their data scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    units = OrgUnit.objects.filter(is_active=True)
    if user.is_superuser:
        return list(units.order_by("path"))
    if not has_perm(user, OT, Action.VIEW):
        return []
    posts = active_posts(user)
    q = Q(pk__in=[])
    scopes: dict[str, str] | None = None
    for post in posts:
        q |= Q(pk=post.unit_id)
        if post.role not in MANAGER_ROLES:
            continue
        if scopes is None:
            scopes = role_scopes()
        scope = post.data_scope or scopes.get(post.role, DataScope.SUBTREE)
        if scope == DataScope.ALL:
            return list(units.order_by("path"))
        if scope == DataScope.UNITS:
            for u in post.scope_units.all():
                q |= Q(path__startswith=u.path)
        elif scope in (DataScope.SUBTREE, DataScope.TEAM, DataScope.OWN_AND_SUBORDINATES):
            q |= Q(path__startswith=post.unit.path) if scope == DataScope.SUBTREE else Q(pk=post.unit_id)
    rows = list(units.filter(q))
    rows.sort(key=lambda u: [int(x) for x in u.path.strip("/").split("/") if x])
    return rows


def fairness_unit_get(*, user, unit_id: int | None) -> OrgUnit:
    """The unit asked for, if ``user`` may read its report; by default their own team."""
    allowed = fairness_units_for(user)
    if not allowed:
        raise PermissionDenied(_("You may not see fairness reports."))
    if unit_id is None:
        own = {p.unit_id for p in active_posts(user)}
        return next((u for u in allowed if u.pk in own), allowed[0])
    unit = next((u for u in allowed if u.pk == unit_id), None)
    if unit is None:
        if OrgUnit.objects.filter(pk=unit_id).exists():
            raise PermissionDenied(_("You may not see the fairness report of this unit."))
        raise NotFound()
    return unit


def fairness_widget_data(user) -> dict[str, Any]:
    """The dashboard card: this month's report of the person's own team."""
    units = fairness_units_for(user)
    if not units:
        return {"empty": True}
    own = {p.unit_id for p in active_posts(user)}
    unit = next((u for u in units if u.pk in own), units[0])
    report = fairness_report(unit=unit, period=period_of("month"))
    if not report.total_received:
        return {"empty": True, "unit": unit}
    return {
        "empty": False,
        "unit": unit,
        "report": report,
        "gini_text": str(report.gini) if report.gini is not None else "—",
        "chart": report.chart(),
        "legend": report.legend(),
        "chart_height": 240,
    }
