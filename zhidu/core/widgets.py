"""The dashboard widgets the platform brings: who works where, and how much changes.

Both read through one or two aggregate queries each, however large the company is.
Chart options are built here (labels translated on the server) and rendered by the
``{% chart %}`` tag; ``core/charts.js`` starts ECharts on them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dashboard import Widget, register

# Tabler's palette, in an order that keeps neighbouring series apart. The HTML legends
# use the same colours through the .zd-swatch-N classes in core/app.css: keep them in step.
PALETTE = [
    "#066fd1",
    "#2fb344",
    "#f76707",
    "#ae3ec9",
    "#0ca678",
    "#f59f00",
    "#d63939",
    "#4263eb",
    "#17a2b8",
    "#74b816",
    "#d6336c",
    "#667382",
    "#4299e1",
]


def legend(series: list[dict]) -> list[dict]:
    """Entries for ``{% chart_legend %}``: each series' name and its palette colour (its
    own ``itemStyle.color`` if it has one, else the palette's turn)."""
    entries = []
    for i, s in enumerate(series):
        color = s.get("itemStyle", {}).get("color")
        swatch = PALETTE.index(color) if color in PALETTE else i % len(PALETTE)
        entries.append({"name": s["name"], "swatch": swatch})
    return entries


def _people_scope(user) -> Q | None:
    """The posts whose holders ``user`` may count: a manager's data scope (subtree, chosen
    units, or all for the director and general manager), anyone else their own units.
    ``None`` when the user holds no post."""
    from zhidu.org.choices import DataScope
    from zhidu.org.permissions import MANAGER_ROLES, active_posts, role_scopes

    if user.is_superuser:
        return Q()
    posts = active_posts(user)
    if not posts:
        return None
    scopes: dict[str, str] | None = None
    q = Q(pk__in=[])
    for post in posts:
        if post.role not in MANAGER_ROLES:
            q |= Q(unit_id=post.unit_id)
            continue
        if scopes is None:
            scopes = role_scopes()
        scope = post.data_scope or scopes.get(post.role, DataScope.SUBTREE)
        if scope == DataScope.ALL:
            return Q()
        if scope == DataScope.UNITS:
            for unit in post.scope_units.all():
                q |= Q(unit__path__startswith=unit.path)
        else:
            q |= Q(unit__path__startswith=post.unit.path)
    return q


def _may_see_people(user) -> bool:
    from zhidu.org.permissions import active_posts

    return user.is_superuser or bool(active_posts(user))


def people_by_role_and_unit(user) -> dict:
    from zhidu.org.choices import Role
    from zhidu.org.models import Post

    scope = _people_scope(user)
    if scope is None:
        return {"empty": True}
    posts = Post.objects.active().filter(scope, unit__is_active=True, user__is_active=True)
    rows = list(
        posts.values("unit_id", "unit__name", "unit__path", "role")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    if not rows:
        return {"empty": True}
    people = posts.values("user_id").distinct().count()

    # Tree order: each unit right after its parent (the path's ids, compared as numbers;
    # comparing the path strings would put /1/10/ before /1/2/).
    rows.sort(key=lambda r: ([int(x) for x in r["unit__path"].strip("/").split("/") if x], r["role"]))
    units: dict[int, str] = {}
    for r in rows:
        units.setdefault(r["unit_id"], r["unit__name"])
    role_order = {value: i for i, value in enumerate(Role.values)}
    roles = sorted({r["role"] for r in rows}, key=lambda v: role_order.get(v, 99))
    unit_ids = list(units)
    counts = {(r["unit_id"], r["role"]): r["n"] for r in rows}
    # One colour per role whoever looks, so "team manager" is the same colour for everyone.
    series = [
        {
            "name": str(Role(role).label) if role in role_order else role,
            "type": "bar",
            "stack": "people",
            "barMaxWidth": 28,
            "emphasis": {"focus": "series"},
            "itemStyle": {"color": PALETTE[role_order.get(role, 0) % len(PALETTE)]},
            "data": [counts.get((uid, role), 0) for uid in unit_ids],
        }
        for role in roles
    ]
    chart = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        # The legend is HTML above the chart (it wraps on a phone; ECharts' would page).
        "legend": {"show": False},
        "grid": {"left": 8, "right": 16, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [units[uid] for uid in unit_ids]},
        "series": series,
    }
    return {
        "empty": False,
        "chart": chart,
        "legend": legend(series),
        "chart_height": max(160, min(720, 56 + 40 * len(unit_ids))),
        "people": people,
        "units": len(unit_ids),
    }


def changes_per_day(user) -> dict:
    """Audit events of the last 14 days (today included), per business-calendar day. A
    bulk operation counts once: its per-row child events are left out."""
    from zhidu.audit.models import AuditEvent

    today = timezone.localdate()
    first = today - dt.timedelta(days=13)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (
        AuditEvent.objects.filter(at__gte=since, parent__isnull=True)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    by_day = {r["day"]: r["n"] for r in rows}
    days = [first + dt.timedelta(days=i) for i in range(14)]
    values = [by_day.get(d, 0) for d in days]
    total = sum(values)
    if not total:
        return {"empty": True}
    chart = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [d.strftime("%m-%d") for d in days],
            "axisTick": {"alignWithLabel": True},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": _("Changes"), "type": "bar", "barMaxWidth": 24, "data": values}],
    }
    return {"empty": False, "chart": chart, "chart_height": 280, "total": total, "today": values[-1]}


def register_core_widgets() -> None:
    register(
        Widget(
            key="org.people_by_role_and_unit",
            title=gettext_lazy("People by role and unit"),
            template="core/widgets/people_by_role_and_unit.html",
            data=people_by_role_and_unit,
            permission=_may_see_people,
            order=10,
            icon="users-group",
        )
    )
    register(
        Widget(
            key="audit.changes_per_day",
            title=gettext_lazy("Changes recorded per day, last 14 days"),
            template="core/widgets/changes_per_day.html",
            data=changes_per_day,
            permission=lambda user: user.is_staff,
            order=20,
            icon="history",
        )
    )
