"""The dashboard's widget registry.

An app adds a widget in its ``AppConfig.ready``::

    from zhidu.core.dashboard import Widget, register

    register(Widget(
        key="customers.follow_ups_due",
        title=_("Follow-ups due"),
        template="customers/widgets/follow_ups_due.html",
        data=follow_ups_due_data,             # (user) -> dict, scoped to what the user may see
        permission=("customers.customer", "view"),
    ))

``data(user)`` returns the template's context (under ``data``); a chart puts its ECharts
option under ``data["chart"]`` and the template renders it with ``{% chart %}``. It should
say ``"empty": True`` when there is nothing to show, so the card shows an empty state.
``permission`` is ``(object_type, action)`` checked with ``has_perm``, a callable
``(user) -> bool``, or ``None`` for everyone signed in. Each widget's data costs a small,
fixed number of queries, whatever the size of the company (tested in core/tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SIZES = {"half": "col-12 col-xl-6", "full": "col-12", "third": "col-12 col-md-6 col-xl-4"}


@dataclass(frozen=True)
class Widget:
    key: str
    title: Any
    template: str
    data: Callable[[Any], dict]
    permission: tuple[str, str] | Callable[[Any], bool] | None = None
    order: int = 100
    size: str = "half"  # a key of SIZES
    icon: str = ""

    @property
    def css_class(self) -> str:
        return SIZES.get(self.size, SIZES["half"])

    @property
    def dom_id(self) -> str:
        return "widget-" + self.key.replace(".", "-").replace("_", "-")

    def allowed(self, user) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.permission is None:
            return True
        if callable(self.permission):
            return bool(self.permission(user))
        from zhidu.org.permissions import has_perm

        return has_perm(user, *self.permission)


_widgets: dict[str, Widget] = {}


def register(widget: Widget) -> None:
    """Register (or replace, for the same key) a widget."""
    if widget.size not in SIZES:
        raise ValueError(f"Widget size must be one of {sorted(SIZES)}")
    _widgets[widget.key] = widget


def unregister(key: str) -> None:
    _widgets.pop(key, None)


def registered() -> list[Widget]:
    return sorted(_widgets.values(), key=lambda w: (w.order, w.key))


def widgets_for(user) -> list[Widget]:
    return [w for w in registered() if w.allowed(user)]


def render_data(user) -> list[dict]:
    """The widgets ``user`` may see, each with its data, in dashboard order."""
    return [{"widget": w, "data": w.data(user)} for w in widgets_for(user)]
