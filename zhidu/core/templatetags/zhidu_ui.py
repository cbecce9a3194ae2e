"""Small pieces of the shell every app's templates use: ``{% chart %}``, ``{% empty_state %}``
and the ``initials`` / ``alert_class`` filters. Load with ``{% load zhidu_ui %}``."""

from __future__ import annotations

import itertools

from django import template

register = template.Library()

_chart_ids = itertools.count(1)


@register.inclusion_tag("core/includes/chart.html")
def chart(option, dom_id: str = "", height: int | str = 300, label: str = ""):
    """An ECharts chart whose option travels as JSON in a ``json_script`` element (no inline
    script, so the CSP holds); ``core/charts.js`` starts it in ``htmx.onLoad``, so charts in
    htmx partials work too. ``height`` is in pixels; ``label`` names the chart for screen
    readers."""
    dom_id = dom_id or f"chart-{next(_chart_ids)}"
    try:
        px = max(120, min(1200, int(height)))
    except (TypeError, ValueError):
        px = 300
    return {"option": option, "data_id": f"{dom_id}-data", "dom_id": dom_id, "height": px, "label": label}


@register.inclusion_tag("core/includes/chart_legend.html")
def chart_legend(entries):
    """An HTML legend (wraps on small screens) for a chart whose option hides its own:
    ``entries`` are ``{"name", "swatch"}`` with ``swatch`` the series' palette index."""
    return {"entries": entries}


@register.inclusion_tag("core/includes/empty_state.html")
def empty_state(title, text: str = "", icon: str = "mood-empty"):
    return {"title": title, "text": text, "icon": icon}


@register.filter
def initials(name) -> str:
    """Up to two letters for an avatar: the first character of a Chinese name's given part
    reads oddly, so Chinese names show their first character (the family name)."""
    name = str(name or "").strip()
    if not name:
        return "?"
    if not name.isascii():
        return name[0]
    parts = [p for p in name.replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def alert_class(level_tag: str) -> str:
    """Django message level tag to a Bootstrap alert colour."""
    return {"error": "danger", "debug": "secondary"}.get(level_tag, level_tag or "info")


@register.filter
def nav_to_do(menu) -> int:
    """The sum of the menu's badge counts, for the phone's menu button (the menu itself is
    folded away there). The counts are the ones the menu shows, computed once."""
    return sum(item["badge"]["count"].value for group in menu or [] for item in group["items"] if item.get("badge"))
