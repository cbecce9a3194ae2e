"""Who may read and export the audit and access logs: staff, or a role granted ``view`` /
``export`` on ``audit.auditevent`` / ``audit.accesslog`` in the permission table."""

from __future__ import annotations

from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm

EVENTS = "audit.auditevent"
ACCESS = "audit.accesslog"


def _staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_view_events(user) -> bool:
    return _staff(user) or has_perm(user, EVENTS, Action.VIEW)


def can_export_events(user) -> bool:
    return _staff(user) or (has_perm(user, EVENTS, Action.VIEW) and has_perm(user, EVENTS, Action.EXPORT))


def can_view_access(user) -> bool:
    return _staff(user) or has_perm(user, ACCESS, Action.VIEW)


def can_export_access(user) -> bool:
    return _staff(user) or (has_perm(user, ACCESS, Action.VIEW) and has_perm(user, ACCESS, Action.EXPORT))
