"""Who may read and change the company's policies: staff, or a post whose role holds the
action on the object type ``policies.policy`` (granted in the permission table)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhidu.core.errors import PermissionDenied
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm

OBJECT_TYPE = "policies.policy"


def can_view_policies(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or has_perm(user, OBJECT_TYPE, Action.VIEW)


def can_edit_policies(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or has_perm(user, OBJECT_TYPE, Action.EDIT)


def require_edit(actor) -> None:
    """Services call this; ``actor=None`` is the system (migrations, seeding, jobs)."""
    if actor is not None and not can_edit_policies(actor):
        raise PermissionDenied(_("You may not change the company's policies."))
