"""Who may administer the organisation. Pure functions over ``has_perm``; the views and
the API ask these and nothing else, so the pages and the API refuse the same people."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhidu.core.errors import PermissionDenied

from .choices import Action
from .permissions import has_perm

USER = "org.user"
PERMISSION = "org.permission"


def _staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_view_org(user) -> bool:
    """The directory: org units, people and their posts."""
    return _staff(user) or has_perm(user, USER, Action.VIEW)


def can_create_user(user) -> bool:
    return _staff(user) or has_perm(user, USER, Action.CREATE)


def can_manage_org(user) -> bool:
    """Create and edit units, edit people, assign and end posts, deactivate people."""
    return _staff(user) or has_perm(user, USER, Action.EDIT)


def can_view_permissions(user) -> bool:
    return _staff(user) or has_perm(user, PERMISSION, Action.VIEW)


def can_manage_permissions(user) -> bool:
    """Editing the role × action table and the data scopes is a right of its own: editing
    people does not let anyone widen their own rights."""
    return _staff(user) or has_perm(user, PERMISSION, Action.EDIT)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You do not have permission to do this."))
