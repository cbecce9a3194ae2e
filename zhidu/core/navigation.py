"""The navigation menu. Each app registers its entries in ``AppConfig.ready``; the shell
shows an entry only to people who hold the permission it names.

An entry may carry a badge (a count such as "waiting for me"): ``badge`` is a function of
the user returning an ``int``. The count is computed on the server while the page renders
(one query, and only when the template shows it), so loading a page costs no extra request;
``badge_refresh`` (an htmx trigger, e.g. ``"every 60s, approvals-changed from:body"``) then
refreshes it in place through ``core:nav_badge`` while the page stays open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    section: str  # key of the group in the sidebar
    label: Any
    url_name: str
    icon: str = "circle"
    permission: tuple[str, str] | None = None  # (object_type, action)
    staff_only: bool = False
    order: int = 100
    badge: Callable[[Any], int] | None = None  # count for the user, shown next to the label when > 0
    badge_refresh: str = ""  # htmx trigger that reloads the badge; "" = only when a page renders


class LazyCount:
    """A badge count computed once, when the template first reads it: pages and fragments
    that render the shell context without the menu pay nothing."""

    def __init__(self, func: Callable[[Any], int], user) -> None:
        self._func, self._user = func, user
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = int(self._func(self._user) or 0)
        return self._value

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


ADMIN_SECTION = "admin"
SECTIONS: dict[str, Any] = {}
_items: list[NavItem] = []


def register_section(key: str, label: Any) -> None:
    SECTIONS.setdefault(key, label)


def register(item: NavItem) -> None:
    if all(i.url_name != item.url_name for i in _items):
        _items.append(item)


def _shown_to(item: NavItem, user) -> bool:
    from zhidu.org.permissions import has_perm

    if item.staff_only and not user.is_staff:
        return False
    # The administration pages let staff in whatever the permission table says (the
    # views check "staff or permission"), so their menu entries do the same.
    staff_pass = user.is_staff and item.section == ADMIN_SECTION
    return not (item.permission and not staff_pass and not has_perm(user, *item.permission))


def _badge(item: NavItem, user) -> dict | None:
    if item.badge is None:
        return None
    return {
        "key": item.url_name.replace(":", "-").replace("_", "-"),
        "count": LazyCount(item.badge, user),
        "url": reverse("core:nav_badge", args=[item.url_name]),
        "refresh": item.badge_refresh,
    }


def menu_for(user) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for item in sorted(_items, key=lambda i: (i.order, str(i.label))):
        if not _shown_to(item, user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entry = {"label": item.label, "url": url, "icon": item.icon}
        if item.badge is not None:
            entry["badge"] = _badge(item, user)
        groups.setdefault(item.section, []).append(entry)
    return [{"key": k, "label": SECTIONS.get(k, k), "items": v} for k, v in groups.items()]


def badge_for(user, url_name: str) -> dict | None:
    """The badge of the entry ``url_name`` if ``user`` sees that entry, else ``None``."""
    for item in _items:
        if item.url_name == url_name and item.badge is not None and _shown_to(item, user):
            return _badge(item, user)
    return None
