"""Writes for the org: units, people, posts. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, diff, snapshot
from zhidu.core.errors import Conflict, PermissionDenied, ValidationError

from .choices import DataScope, Role, UnitKind
from .models import ActionPermission, ApiToken, OrgUnit, Post, RoleScope, User
from .permissions import clear_cache, default_allowed, object_type, permission_table, role_scopes
from .signin import sessions_end

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Domain apps register "how many live records does this person still own?" so that a
# person who owns customers cannot be deactivated before a handover (issue: handover).
# The label may be lazy: it is registered at start-up and read in the user's language.
_owned_record_counters: list[tuple[StrOrPromise, Callable[[User], int]]] = []


def register_owned_records(label: StrOrPromise, counter: Callable[[User], int]) -> None:
    _owned_record_counters.append((label, counter))


# Domain apps register what follows when a person's main post moves to another unit (the
# customers app: the ``transfer`` policy says whether their customers follow them). A hook
# is called as ``hook(actor=…, user=…, old_unit=…, new_unit=…)`` inside ``post_assign``'s
# transaction, so the move and what follows it commit or fail together.
_post_change_hooks: list[Callable[..., object]] = []


def register_post_change_hook(hook: Callable[..., object]) -> None:
    if hook not in _post_change_hooks:
        _post_change_hooks.append(hook)


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc)


ORG_UNIT_FIELDS = {"name", "code", "kind", "parent", "head", "region_codes", "is_active", "sort_order"}


def _check_head(head: User | None) -> None:
    if head is not None and not head.is_active:
        raise ValidationError(
            _("%(name)s is deactivated and cannot head a unit.") % {"name": head},
            fields={"head": [_("Choose an active person.")]},
        )


def _check_region_codes(codes) -> list[str]:
    codes = list(codes or [])
    bad = [str(c) for c in codes if not (isinstance(c, str) and len(c) == 2 and c.isdigit())]
    if bad:
        raise ValidationError(
            _("Not a two-digit province code: %(codes)s") % {"codes": ", ".join(bad)},
            fields={"region_codes": [_("Use two-digit GB/T 2260 codes.")]},
        )
    return codes


@transaction.atomic
def org_unit_create(
    *,
    actor: User | None,
    name: str,
    code: str,
    kind: str = UnitKind.TEAM,
    parent: OrgUnit | None = None,
    head: User | None = None,
    region_codes: list[str] | None = None,
    sort_order: int = 0,
) -> OrgUnit:
    _check_head(head)
    if parent is not None and not parent.is_active:
        raise ValidationError(
            _("A unit cannot be created under a deactivated unit."), fields={"parent": [_("Choose an active unit.")]}
        )
    unit = OrgUnit(
        name=name,
        code=code,
        kind=kind,
        parent=parent,
        head=head,
        region_codes=_check_region_codes(region_codes),
        sort_order=sort_order,
    )
    _full_clean(unit)
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit_record(actor=actor, action="org_unit.create", obj=unit, after=snapshot(unit))
    return unit


@transaction.atomic
def org_unit_update(*, actor: User, unit: OrgUnit, **fields) -> OrgUnit:
    """Edit, move (a new ``parent``) or deactivate a unit. A unit cannot move under itself
    and cannot be deactivated while people hold posts in it or below it."""
    unknown = set(fields) - ORG_UNIT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(unit)
    new_parent = fields.pop("parent", unit.parent)
    if "head" in fields and fields["head"] != unit.head:
        _check_head(fields["head"])
    if "region_codes" in fields:
        fields["region_codes"] = _check_region_codes(fields["region_codes"])
    if fields.get("is_active") is False and unit.is_active:
        if Post.objects.active().filter(unit__path__startswith=unit.path).exists():
            raise Conflict(
                _("People still hold posts in %(unit)s or below it. End or move their posts first.") % {"unit": unit},
                code="unit_in_use",
            )
        if OrgUnit.objects.filter(parent=unit, is_active=True).exists():
            raise Conflict(_("Deactivate the units below %(unit)s first.") % {"unit": unit}, code="unit_in_use")
    if new_parent is not None and not new_parent.is_active and new_parent != unit.parent:
        raise ValidationError(
            _("A unit cannot move under a deactivated unit."), fields={"parent": [_("Choose an active unit.")]}
        )
    for k, v in fields.items():
        setattr(unit, k, v)
    _full_clean(unit)
    unit.save()
    if new_parent != unit.parent:
        _org_unit_move(unit, new_parent)
    audit_record(actor=actor, action="org_unit.update", obj=unit, before=before, after=snapshot(unit))
    return unit


def _org_unit_move(unit: OrgUnit, parent: OrgUnit | None) -> None:
    if parent is not None and parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot move under itself."), fields={"parent": [_("Choose another unit.")]})
    old_path = unit.path
    new_path = f"{parent.path if parent else '/'}{unit.pk}/"
    depth_shift = ((parent.depth + 1) if parent else 0) - unit.depth
    # One UPDATE for the whole subtree: replace the old prefix with the new one.
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_shift
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=parent)
    unit.refresh_from_db()


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username, full_name=full_name, email=email, phone=phone, is_staff=is_staff, is_superuser=is_superuser
    )
    if password:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages[0], fields={"password": list(exc.messages)})
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user)
    user.save()
    audit_record(
        actor=actor, action="user.create", obj=user, after=snapshot(user, ["username", "full_name", "email", "phone"])
    )
    return user


@transaction.atomic
def post_assign(
    *,
    actor: User | None,
    user: User,
    unit: OrgUnit,
    role: str,
    is_main: bool = True,
    valid_from: dt.date | None = None,
    data_scope: str = "",
    scope_units=None,
) -> Post:
    """Give a person a post. A new main post ends the previous main post the day before,
    so a move keeps history (主岗/兼岗)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), fields={"role": [_("Choose a valid role.")]})
    if not user.is_active:
        raise ValidationError(_("%(name)s is deactivated.") % {"name": user}, fields={"user": [_("Deactivated.")]})
    if not unit.is_active:
        raise ValidationError(
            _("%(unit)s is deactivated.") % {"unit": unit}, fields={"unit": [_("Choose an active unit.")]}
        )
    if data_scope == DataScope.UNITS and not scope_units:
        raise ValidationError(
            _("Choose the units this post sees."), fields={"scope_units": [_("This field is required.")]}
        )
    valid_from = valid_from or timezone.localdate()
    if Post.objects.active(valid_from).filter(user=user, unit=unit, role=role).exists():
        raise Conflict(
            _("%(name)s already holds this post in %(unit)s.") % {"name": user, "unit": unit}, code="post_exists"
        )
    moved_from = None
    if is_main:
        current = list(Post.objects.active(valid_from).filter(user=user, is_main=True).select_for_update())
        moved_from = next((p.unit for p in current if p.unit_id != unit.pk), None)
        if Post.objects.filter(user=user, is_main=True, valid_from__gte=valid_from).exists():
            raise ValidationError(
                _("The new main post must start after the current main post started."),
                fields={"valid_from": [_("Too early.")]},
            )
        for old in current:
            old.valid_to = max(old.valid_from, valid_from - dt.timedelta(days=1))
            old.save(update_fields=["valid_to"])
            audit_record(actor=actor, action="post.end", obj=old, changes={"valid_to": [None, str(old.valid_to)]})
    post = Post(user=user, unit=unit, role=role, is_main=is_main, valid_from=valid_from, data_scope=data_scope)
    _full_clean(post)
    post.save()
    if scope_units:
        post.scope_units.set(scope_units)
    clear_cache(user)
    audit_record(actor=actor, action="post.assign", obj=post, after=snapshot(post))
    if is_main and moved_from is not None:
        for hook in _post_change_hooks:
            hook(actor=actor, user=user, old_unit=moved_from, new_unit=unit)
    return post


@transaction.atomic
def post_end(*, actor: User, post: Post, valid_to: dt.date | None = None) -> Post:
    valid_to = valid_to or timezone.localdate()
    if post.valid_to is not None and post.valid_to < timezone.localdate():
        raise Conflict(_("This post has already ended."), code="post_ended")
    if valid_to < post.valid_from:
        raise ValidationError(_("A post cannot end before it starts."), fields={"valid_to": [_("Too early.")]})
    before = snapshot(post)
    post.valid_to = valid_to
    post.save(update_fields=["valid_to"])
    clear_cache(post.user)
    audit_record(actor=actor, action="post.end", obj=post, before=before, after=snapshot(post))
    return post


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivating ends the person's sessions and API tokens at once. Refused while they
    still own live records: hand them over first (seed 003: handing in records)."""
    if user.pk == actor.pk:
        raise Conflict(_("You cannot deactivate yourself."), code="self_deactivate")
    owned = [(label, n) for label, counter in _owned_record_counters if (n := counter(user))]
    if owned:
        what = ", ".join(f"{label}: {n}" for label, n in owned)
        raise Conflict(
            _("%(name)s still owns records (%(what)s). Transfer them first.") % {"name": user, "what": what},
            code="owns_records",
        )
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    now = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    sessions_end(user=user)
    audit_record(actor=actor, action="user.deactivate", obj=user, changes={"is_active": [True, False]})
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate", obj=user, changes={"is_active": [False, True]})
    return user


USER_FIELDS = {"full_name", "email", "phone", "employee_no", "language", "on_leave_until", "capacity", "is_staff"}


@transaction.atomic
def user_update(*, actor: User, user: User, **fields) -> User:
    """Edit a person's profile. Only a superuser may grant or remove staff status."""
    unknown = set(fields) - USER_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "is_staff" in fields and bool(fields["is_staff"]) != user.is_staff and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser may change staff status."))
    names = sorted(fields)
    before = snapshot(user, names)
    for k, v in fields.items():
        setattr(user, k, v)
    _full_clean(user)
    user.save(update_fields=names or None)
    audit_record(actor=actor, action="user.update", obj=user, before=before, after=snapshot(user, names))
    return user


_UNSET = object()


@transaction.atomic
def post_update(*, actor: User, post: Post, data_scope=_UNSET, scope_units=_UNSET, valid_to=_UNSET) -> Post:
    """Change a post's data scope or its chosen units, or end it (``valid_to``). Role,
    unit and start are history: a different post is a new post."""
    before = snapshot(post)
    before["scope_units"] = sorted(post.scope_units.values_list("pk", flat=True))
    if data_scope is not _UNSET:
        post.data_scope = data_scope or ""
    units = list(scope_units) if scope_units is not _UNSET else list(post.scope_units.all())
    if post.data_scope == DataScope.UNITS and not units:
        raise ValidationError(
            _("Choose the units this post sees."), fields={"scope_units": [_("This field is required.")]}
        )
    _full_clean(post)
    post.save(update_fields=["data_scope"])
    if scope_units is not _UNSET:
        post.scope_units.set(units)
    if valid_to is not _UNSET and valid_to is not None:
        post_end(actor=actor, post=post, valid_to=valid_to)
    after = snapshot(post)
    after["scope_units"] = sorted(u.pk for u in units)
    if diff(before, after):
        audit_record(actor=actor, action="post.update", obj=post, before=before, after=after)
    clear_cache(post.user)
    return post


@transaction.atomic
def role_scopes_set(*, actor: User, scopes: dict[str, str]) -> dict[str, str]:
    """Set the default data scope of roles (数据权限). A role set back to its default in
    code loses its row, so later changes to the defaults reach it."""
    from .permissions import DEFAULT_SCOPES

    bad = {r: [_("Unknown role.")] for r in scopes if r not in Role.values}
    bad.update({r: [_("Choose a valid data scope.")] for r, v in scopes.items() if v not in DataScope.values})
    if bad:
        raise ValidationError(_("Some data scopes are not valid."), fields=bad)
    if any(v == DataScope.UNITS for v in scopes.values()):
        raise ValidationError(
            _("'Chosen units' can only be set on a post, not as a role's default."),
            fields={r: [_("Choose another scope.")] for r, v in scopes.items() if v == DataScope.UNITS},
        )
    current = role_scopes()
    changes = {}
    for role, scope in scopes.items():
        if current.get(role) == scope:
            continue
        changes[role] = [current.get(role), scope]
        if str(DEFAULT_SCOPES.get(role, DataScope.OWN)) == scope:
            RoleScope.objects.filter(role=role).delete()
        else:
            RoleScope.objects.update_or_create(role=role, defaults={"data_scope": scope})
    if changes:
        audit_record(
            actor=actor,
            action="role_scope.update",
            object_type="org.rolescope",
            object_repr=_("Role data scopes"),
            changes=changes,
        )
    return role_scopes()


@transaction.atomic
def action_permissions_set(*, actor: User, object_type_key: str, allowed: set[tuple[str, str]]) -> int:
    """Save one object type's column of the role × action table from the set of ticked
    ``(role, action)`` cells. Only cells that differ from the defaults in code keep a row,
    so an untouched cell follows future defaults. One audit row lists the changed cells.
    Returns the number of changed cells."""
    try:
        ot = object_type(object_type_key)
    except KeyError:
        raise ValidationError(_("Unknown object type."), fields={"object_type": [_("Choose a valid object type.")]})
    bad = sorted(f"{r}:{a}" for r, a in allowed if r not in Role.values or a not in ot.actions)
    if bad:
        raise ValidationError(
            _("Unknown roles or actions: %(cells)s.") % {"cells": ", ".join(bad)}, fields={"cells": bad}
        )
    table = permission_table()
    changes: dict[str, list[bool]] = {}
    for role in Role.values:
        for action in ot.actions:
            want = (role, action) in allowed
            if table.get((role, ot.key, action), False) == want:
                continue
            changes[f"{role}:{action}"] = [not want, want]
            if want == default_allowed(role, ot.key, action):
                ActionPermission.objects.filter(role=role, object_type=ot.key, action=action).delete()
            else:
                ActionPermission.objects.update_or_create(
                    role=role, object_type=ot.key, action=action, defaults={"allowed": want}
                )
    if changes:
        audit_record(
            actor=actor,
            action="action_permission.update",
            object_type="org.actionpermission",
            object_id=ot.key,
            object_repr=str(ot.label),
            changes=changes,
        )
    return len(changes)


@transaction.atomic
def action_permissions_reset(*, actor: User, object_type_key: str | None = None) -> int:
    """Back to the defaults in code: for one object type, or (``None``) the whole table."""
    rows = ActionPermission.objects.all()
    if object_type_key:
        rows = rows.filter(object_type=object_type_key)
    before = {f"{r.object_type}:{r.role}:{r.action}": [r.allowed, None] for r in rows}
    if not before:
        return 0
    rows.delete()
    audit_record(
        actor=actor,
        action="action_permission.reset",
        object_type="org.actionpermission",
        object_id=object_type_key or "",
        object_repr=object_type_key or _("All object types"),
        changes=before,
    )
    return len(before)
