"""Extension points of the customer page, so the modules of other owners (pool, follow-ups,
plans, opportunities) add their part without editing the customer page.

``register_customer_panel(CustomerPanel(key, template, context, order, column))`` at import
time of a views module (``urls.py`` imports every module in ``VIEW_MODULES``):
``context(request, customer) -> dict | None`` returns the panel's context, or ``None`` to
hide it (e.g. for people who may not use it). ``column`` is ``"side"`` (left, under the
details) or ``"main"`` (above the timeline); ``actions`` panels render in the page header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100
    column: str = "main"  # "main", "side" or "actions"


_panels: dict[str, CustomerPanel] = {}


def register_customer_panel(panel: CustomerPanel) -> None:
    _panels[panel.key] = panel


def panels_for(request, customer) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"main": [], "side": [], "actions": []}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        ctx = panel.context(request, customer)
        if ctx is None:
            continue
        out.setdefault(panel.column, []).append({"key": panel.key, "template": panel.template, "ctx": ctx})
    return out
