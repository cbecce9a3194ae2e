"""Numbering rules are changed by admins: staff, or a role granted ``edit`` on
``numbering.numberingrule`` in the permission table."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhidu.core.errors import PermissionDenied
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm

OBJECT_TYPE = "numbering.numberingrule"


def can_view_numbering(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or has_perm(user, OBJECT_TYPE, Action.VIEW)


def can_edit_numbering(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or has_perm(user, OBJECT_TYPE, Action.EDIT)


def require_edit(actor) -> None:
    if actor is not None and not can_edit_numbering(actor):
        raise PermissionDenied(_("You may not change numbering rules."))
