"""The navigation menu. Each app registers its entries in ``AppConfig.ready``; the shell
shows an entry only to people who hold the permission it names."""

from __future__ import annotations

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


ADMIN_SECTION = "admin"
SECTIONS: dict[str, Any] = {}
_items: list[NavItem] = []


def register_section(key: str, label: Any) -> None:
    SECTIONS.setdefault(key, label)


def register(item: NavItem) -> None:
    if all(i.url_name != item.url_name for i in _items):
        _items.append(item)


def menu_for(user) -> list[dict]:
    from zhidu.org.permissions import has_perm

    groups: dict[str, list[dict]] = {}
    for item in sorted(_items, key=lambda i: (i.order, str(i.label))):
        if item.staff_only and not user.is_staff:
            continue
        # The administration pages let staff in whatever the permission table says (the
        # views check "staff or permission"), so their menu entries do the same.
        staff_pass = user.is_staff and item.section == ADMIN_SECTION
        if item.permission and not staff_pass and not has_perm(user, *item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        groups.setdefault(item.section, []).append({"label": item.label, "url": url, "icon": item.icon})
    return [{"key": k, "label": SECTIONS.get(k, k), "items": v} for k, v in groups.items()]
