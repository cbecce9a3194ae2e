"""Dashboard cards of the customers app: the customers a person may see by status, new
customers per week, and this week's follow-ups (valid or not).

Each reads through the scoped querysets (``visible_to``: a rep their own, a manager their
data scope) with one aggregate query, whatever the size of the book. Chart options are
built here, labels translated on the server, and rendered by ``{% chart %}``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.org.choices import Action

WEEKS = 8
# One colour per status, whoever looks (Tabler: azure, green, yellow, red).
STATUS_COLORS = {"prospect": "#066fd1", "active": "#2fb344", "dormant": "#f59f00", "lost": "#d63939"}
VALID_COLOR = "#2fb344"
NOT_VALID_COLOR = "#667382"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _held_customers(user):
    """Customers held by someone (not in a pool, not in the recycle bin) that ``user`` may
    see: their own as a rep, their units' as a manager."""
    from .models import Customer

    return Customer.objects.alive().visible_to(user, Action.VIEW).filter(owner__isnull=False)


def customers_by_status(user) -> dict:
    """The held customers ``user`` sees, per status, as a doughnut."""
    from .choices import CustomerStatus

    rows = _held_customers(user).order_by().values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    total = sum(counts.values())
    if not total:
        return {"empty": True}
    data = [
        {
            "name": str(label),
            "value": counts.get(code, 0),
            "itemStyle": {"color": STATUS_COLORS.get(code, "#667382")},
        }
        for code, label in CustomerStatus.choices
    ]
    chart = {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"show": False},
        "series": [
            {
                "name": _("Customers"),
                "type": "pie",
                "radius": ["45%", "72%"],
                # Labels do not fit a third-width card: an HTML legend with the counts instead.
                "label": {"show": False},
                "data": data,
            }
        ],
    }
    rows_out = [
        {"status": code, "label": str(label), "n": counts.get(code, 0)} for code, label in CustomerStatus.choices
    ]
    entries = [{"name": f"{r['label']} {r['n']}", "swatch": i} for i, r in zip((0, 1, 5, 6), rows_out, strict=False)]
    return {
        "empty": False,
        "chart": chart,
        "chart_height": 240,
        "total": total,
        "rows": rows_out,
        "legend": entries,
    }


def new_customers_per_week(user, *, today: dt.date | None = None) -> dict:
    """Customers received per week (Monday to Sunday) over the last 8 weeks, this week
    included, among those ``user`` sees (held ones; released ones count for nobody)."""
    today = today or timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    first = this_monday - dt.timedelta(weeks=WEEKS - 1)
    rows = (
        _held_customers(user)
        .filter(created_at__gte=_start_of(first))
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    )
    mondays = [first + dt.timedelta(weeks=i) for i in range(WEEKS)]
    per_week = dict.fromkeys(mondays, 0)
    for r in rows:
        day = r["day"]
        if day is None:
            continue
        monday = day - dt.timedelta(days=day.weekday())
        if monday in per_week:
            per_week[monday] += r["n"]
    values = [per_week[m] for m in mondays]
    total = sum(values)
    if not total:
        return {"empty": True}
    chart = {
        "color": ["#066fd1"],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [_("week of %(date)s") % {"date": m.strftime("%m-%d")} for m in mondays],
            "axisTick": {"alignWithLabel": True},
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": _("New customers"), "type": "bar", "barMaxWidth": 28, "data": values}],
    }
    return {"empty": False, "chart": chart, "chart_height": 260, "total": total, "this_week": values[-1]}


def follow_ups_this_week(user, *, today: dt.date | None = None) -> dict:
    """Follow-ups that happened this week (Monday to today) among those ``user`` may see,
    per day, valid (they count for protection and KPIs) or not."""
    from .models import Activity

    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    rows = (
        Activity.objects.visible_to(user, Action.VIEW)
        .filter(occurred_at__gte=_start_of(monday), occurred_at__lt=_start_of(monday + dt.timedelta(days=7)))
        .annotate(day=TruncDate("occurred_at"))
        .order_by()
        .values("day", "is_valid")
        .annotate(n=Count("id"))
    )
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    valid = dict.fromkeys(days, 0)
    not_valid = dict.fromkeys(days, 0)
    for r in rows:
        target = valid if r["is_valid"] else not_valid
        if r["day"] in target:
            target[r["day"]] += r["n"]
    n_valid, n_not = sum(valid.values()), sum(not_valid.values())
    if not n_valid and not n_not:
        return {"empty": True}
    weekday_names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    series = [
        {
            "name": _("Valid follow-ups"),
            "type": "bar",
            "stack": "follow-ups",
            "barMaxWidth": 28,
            "itemStyle": {"color": VALID_COLOR},
            "data": [valid[d] for d in days],
        },
        {
            "name": _("Not valid follow-ups"),
            "type": "bar",
            "stack": "follow-ups",
            "barMaxWidth": 28,
            "itemStyle": {"color": NOT_VALID_COLOR},
            "data": [not_valid[d] for d in days],
        },
    ]
    chart = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"show": False},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": weekday_names, "axisTick": {"alignWithLabel": True}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }
    from zhidu.core.widgets import legend

    return {
        "empty": False,
        "chart": chart,
        "legend": legend(series),
        "chart_height": 240,
        "valid": n_valid,
        "not_valid": n_not,
        "share": round(100 * n_valid / (n_valid + n_not)),
    }


def register() -> None:
    from zhidu.core.dashboard import Widget
    from zhidu.core.dashboard import register as register_widget

    register_widget(
        Widget(
            key="customers.by_status",
            title=gettext_lazy("My customers by status"),
            template="customers/widgets/by_status.html",
            data=customers_by_status,
            permission=("customers.customer", Action.VIEW),
            order=30,
            size="third",
            icon="building-store",
        )
    )
    register_widget(
        Widget(
            key="customers.new_per_week",
            title=gettext_lazy("New customers per week"),
            template="customers/widgets/new_per_week.html",
            data=new_customers_per_week,
            permission=("customers.customer", Action.VIEW),
            order=31,
            size="third",
            icon="user-plus",
        )
    )
    register_widget(
        Widget(
            key="customers.follow_ups_this_week",
            title=gettext_lazy("Follow-ups this week"),
            template="customers/widgets/follow_ups_week.html",
            data=follow_ups_this_week,
            permission=("customers.activity", Action.VIEW),
            order=32,
            size="third",
            icon="message-check",
        )
    )
