"""Who may do what, and whose records they see — decided here and nowhere else.

Two questions, both answered per post and united over a person's active posts:

1. *May this role do this action on this object type?* — the action-permission table
   (``ActionPermission`` rows override ``register_object_type`` defaults in code).
2. *Whose records?* — the post's data scope (own, own and subordinates, team, subtree,
   chosen units, all).

``visible_to(user, action)`` on :class:`ScopedQuerySet` combines them into one predicate.
The result is memoised on the user object, which lives for one request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Action, DataScope, Role

if TYPE_CHECKING:
    from .models import User

ALL_ACTIONS = [a.value for a in Action]
MANAGERS = {Role.GENERAL_MANAGER, Role.DIRECTOR, Role.REGIONAL_MANAGER, Role.TEAM_MANAGER, Role.SUPERVISOR}

DEFAULT_SCOPES: dict[str, str] = {
    Role.GENERAL_MANAGER: DataScope.ALL,
    Role.DIRECTOR: DataScope.ALL,
    Role.REGIONAL_MANAGER: DataScope.SUBTREE,
    Role.TEAM_MANAGER: DataScope.SUBTREE,
    Role.SUPERVISOR: DataScope.OWN_AND_SUBORDINATES,
    Role.REP: DataScope.OWN,
    Role.KEY_ACCOUNT_MANAGER: DataScope.OWN,
    Role.ASSISTANT: DataScope.TEAM,
    Role.ORDER_COORDINATOR: DataScope.SUBTREE,
    Role.SERVICE_AGENT: DataScope.ALL,
    Role.MARKETING: DataScope.ALL,
    Role.FINANCE: DataScope.ALL,
    Role.HR: DataScope.OWN,
}


@dataclass
class ObjectType:
    key: str  # "customers.customer"
    label: Any
    actions: list[str]
    defaults: dict[str, set[str]] = field(default_factory=dict)  # role -> allowed actions


_registry: dict[str, ObjectType] = {}


def register_object_type(
    key: str, label: Any, defaults: dict[str, Iterable[str]], actions: Iterable[str] | None = None
):
    """Called by each app's ``AppConfig.ready`` for the object types it owns."""
    _registry[key] = ObjectType(
        key=key,
        label=label,
        actions=list(actions or ALL_ACTIONS),
        defaults={str(role): set(acts) for role, acts in defaults.items()},
    )


def object_types() -> list[ObjectType]:
    return sorted(_registry.values(), key=lambda o: o.key)


def object_type(key: str) -> ObjectType:
    return _registry[key]


def default_allowed(role: str, object_type_key: str, action: str) -> bool:
    ot = _registry.get(object_type_key)
    return bool(ot and action in ot.defaults.get(role, set()))


def permission_table() -> dict[tuple[str, str, str], bool]:
    """The effective table: code defaults overlaid with the admin's rows."""
    from .models import ActionPermission

    table = {
        (role, ot.key, action): action in ot.defaults.get(role, set())
        for ot in _registry.values()
        for role in Role.values
        for action in ot.actions
    }
    for role, ot, action, allowed in ActionPermission.objects.values_list("role", "object_type", "action", "allowed"):
        table[(role, ot, action)] = allowed
    return table


def role_scopes() -> dict[str, str]:
    from .models import RoleScope

    scopes = {str(k): str(v) for k, v in DEFAULT_SCOPES.items()}
    scopes.update(dict(RoleScope.objects.values_list("role", "data_scope")))
    return scopes


@dataclass
class Visibility:
    """What one person sees of one object type for one action."""

    allowed: bool = False
    everything: bool = False
    user_ids: set[int] = field(default_factory=set)
    unit_ids: set[int] = field(default_factory=set)
    unit_paths: set[str] = field(default_factory=set)

    def q(self, owner_field: str = "owner", unit_field: str = "owner_unit") -> Q:
        if self.everything:
            return Q()
        if not self.allowed:
            return Q(pk__in=[])
        q = Q(pk__in=[])
        if self.user_ids:
            q |= Q(**{f"{owner_field}_id__in": sorted(self.user_ids)})
        if self.unit_ids:
            q |= Q(**{f"{unit_field}_id__in": sorted(self.unit_ids)})
        for path in sorted(self.unit_paths):
            q |= Q(**{f"{unit_field}__path__startswith": path})
        return q


def _cache(user) -> dict:
    cache = getattr(user, "_zhidu_perm_cache", None)
    if cache is None:
        cache = {}
        user._zhidu_perm_cache = cache
    return cache


def clear_cache(user) -> None:
    if hasattr(user, "_zhidu_perm_cache"):
        del user._zhidu_perm_cache


def active_posts(user) -> list:
    cache = _cache(user)
    if "posts" not in cache:
        from .models import Post

        cache["posts"] = list(
            Post.objects.active().filter(user_id=user.pk).select_related("unit").prefetch_related("scope_units")
        )
    return cache["posts"]


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {p.role for p in active_posts(user)}


def has_perm(user, object_type_key: str, action: str) -> bool:
    """May ``user`` do ``action`` on some ``object_type`` record? (Which records: scope.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cache = _cache(user)
    if "table" not in cache:
        cache["table"] = permission_table()
    table = cache["table"]
    return any(table.get((p.role, object_type_key, action), False) for p in active_posts(user))


def _subordinate_ids(user) -> set[int]:
    """People holding an active post in a unit (or below one) that ``user`` heads."""
    from .models import OrgUnit, Post

    headed = list(OrgUnit.objects.filter(head_id=user.pk).values_list("path", flat=True))
    if not headed:
        return set()
    q = Q()
    for path in headed:
        q |= Q(unit__path__startswith=path)
    return set(Post.objects.active().filter(q).values_list("user_id", flat=True))


def subordinate_ids(user) -> set[int]:
    """Ids of the people below ``user``: active posts in units they head, or below them."""
    cache = _cache(user)
    if "subordinates" not in cache:
        cache["subordinates"] = _subordinate_ids(user)
    return set(cache["subordinates"])


def visibility(user, object_type_key: str, action: str = Action.VIEW) -> Visibility:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Visibility()
    if user.is_superuser:
        return Visibility(allowed=True, everything=True)
    cache = _cache(user)
    key = ("vis", object_type_key, action)
    if key in cache:
        return cache[key]
    if "table" not in cache:
        cache["table"] = permission_table()
    if "scopes" not in cache:
        cache["scopes"] = role_scopes()
    vis = Visibility()
    for post in active_posts(user):
        if not cache["table"].get((post.role, object_type_key, action), False):
            continue
        vis.allowed = True
        scope = post.data_scope or cache["scopes"].get(post.role, DataScope.OWN)
        vis.user_ids.add(user.pk)
        if scope == DataScope.ALL:
            vis.everything = True
        elif scope == DataScope.TEAM:
            vis.unit_ids.add(post.unit_id)
        elif scope == DataScope.SUBTREE:
            vis.unit_paths.add(post.unit.path)
        elif scope == DataScope.UNITS:
            vis.unit_ids.update(u.pk for u in post.scope_units.all())
        elif scope == DataScope.OWN_AND_SUBORDINATES:
            if "subordinates" not in cache:
                cache["subordinates"] = _subordinate_ids(user)
            vis.user_ids.update(cache["subordinates"])
    # A path that lies under another adds nothing.
    vis.unit_paths = {p for p in vis.unit_paths if not any(p != o and p.startswith(o) for o in vis.unit_paths)}
    cache[key] = vis
    return vis


class ScopedQuerySet(models.QuerySet):
    """Every selector narrows through here (NetBox's ``RestrictedQuerySet.restrict``)."""

    owner_field = "owner"
    unit_field = "owner_unit"

    def visible_to(self, user: User, action: str = Action.VIEW) -> Self:
        key = self.model._meta.label_lower
        vis = visibility(user, key, action)
        q = vis.q(self.owner_field, self.unit_field)
        extra = getattr(self.model, "visible_extra", None)
        if extra is not None and vis.allowed and not vis.everything:
            q |= extra(user, action)
        return self.filter(q)


class OwnedModel(models.Model):
    """A live record with an owner and the unit it counts for. Historical facts copy
    ``owner_unit`` at the time and keep it; live records follow their owner by policy."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("owner unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def can_see(user, obj: models.Model, action: str = Action.VIEW) -> bool:
    """The object-level check, re-run after a save (NetBox does the same)."""
    qs: Any = type(obj)._default_manager.filter(pk=obj.pk)
    return qs.visible_to(user, action).exists()


def main_unit(user):
    """The unit a person's records are stamped with: their main post's unit."""
    posts = active_posts(user)
    main = next((p for p in posts if p.is_main), None) or (posts[0] if posts else None)
    return main.unit if main else None


MANAGER_ROLES = frozenset(str(r) for r in MANAGERS)

__all__ = [
    "MANAGER_ROLES",
    "OwnedModel",
    "ScopedQuerySet",
    "Visibility",
    "can_see",
    "has_perm",
    "main_unit",
    "object_types",
    "permission_table",
    "register_object_type",
    "user_roles",
    "visibility",
]

# Keep the translatable label of the registry visible to makemessages.
_("Object type")
