"""Reads for the org pages and API. The directory (units, people, posts) is not scoped by
data scope: who may read it at all is decided by ``zhidu.org.policies``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from zhidu.core.errors import NotFound
from zhidu.core.filters import apply_filters

from .choices import Action, DataScope, Role
from .filtersets import OrgUnitFilterSet, PostFilterSet, UserFilterSet
from .models import ApiToken, OrgUnit, Post, User
from .permissions import active_posts, has_perm, object_types, permission_table, role_scopes, user_roles


def _current_posts_prefetch() -> Prefetch:
    return Prefetch(
        "posts",
        queryset=Post.objects.active().select_related("unit").order_by("-is_main", "valid_from"),
        to_attr="current_posts",
    )


def user_list(*, filters: Any = None) -> QuerySet[User]:
    qs = User.objects.order_by("username").prefetch_related(_current_posts_prefetch())
    return apply_filters(UserFilterSet, filters or {}, qs)


def user_get(*, pk: Any) -> User:
    try:
        return User.objects.prefetch_related(_current_posts_prefetch()).get(pk=int(pk))
    except (User.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def user_posts(*, user: User) -> list[Post]:
    """Every post the person held, current and past, newest first (validity history)."""
    return list(
        Post.objects.filter(user=user)
        .select_related("unit")
        .prefetch_related("scope_units")
        .order_by("-valid_from", "-pk")
    )


def post_is_current(post: Post, today=None) -> bool:
    today = today or timezone.localdate()
    return post.valid_from <= today and (post.valid_to is None or post.valid_to >= today)


def post_list(*, filters: Any = None) -> QuerySet[Post]:
    qs = Post.objects.select_related("user", "unit").prefetch_related("scope_units").order_by("user_id", "-valid_from")
    return apply_filters(PostFilterSet, filters or {}, qs)


def post_get(*, pk: Any) -> Post:
    try:
        return Post.objects.select_related("user", "unit").prefetch_related("scope_units").get(pk=int(pk))
    except (Post.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def unit_list(*, filters: Any = None) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.select_related("head", "parent").order_by("path")
    return apply_filters(OrgUnitFilterSet, filters or {}, qs)


def unit_get(*, pk: Any) -> OrgUnit:
    try:
        return OrgUnit.objects.select_related("head", "parent").get(pk=int(pk))
    except (OrgUnit.DoesNotExist, TypeError, ValueError):
        raise NotFound()


@dataclass
class UnitNode:
    unit: OrgUnit
    level: int
    people: int
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(*, include_inactive: bool = True) -> list[UnitNode]:
    """The whole tree in display order (parents first, siblings by order then name), each
    node with the number of people holding a current post in it. Two queries."""
    today = timezone.localdate()
    active = Q(posts__valid_from__lte=today) & (Q(posts__valid_to__isnull=True) | Q(posts__valid_to__gte=today))
    qs = OrgUnit.objects.select_related("head").annotate(people=Count("posts__user", filter=active, distinct=True))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    units = list(qs)
    nodes = {u.pk: UnitNode(unit=u, level=0, people=u.people) for u in units}
    roots: list[UnitNode] = []
    for u in units:
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(nodes[u.pk])
    out: list[UnitNode] = []

    def walk(level_nodes: list[UnitNode], level: int) -> None:
        for node in sorted(level_nodes, key=lambda n: (n.unit.sort_order, n.unit.name)):
            node.level = level
            out.append(node)
            walk(node.children, level + 1)

    walk(roots, 0)
    return out


def unit_choices(*, active_only: bool = True) -> list[tuple[int, str]]:
    """Units for a select box, indented by depth, in tree order."""
    return [
        (n.unit.pk, "\u3000" * n.level + n.unit.name)
        for n in unit_tree(include_inactive=not active_only)
        if n.unit.is_active or not active_only
    ]


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get(*, user: User, pk: Any) -> ApiToken:
    """Only one's own tokens: anyone else's is not found, not forbidden."""
    try:
        return ApiToken.objects.get(user=user, pk=int(pk))
    except (ApiToken.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def permissions_summary(user: User) -> dict[str, list[str]]:
    """``{object_type: [allowed actions]}`` for the person, only the types they may touch."""
    out: dict[str, list[str]] = {}
    for ot in object_types():
        allowed = [a for a in ot.actions if has_perm(user, ot.key, a)]
        if allowed:
            out[ot.key] = allowed
    return out


def me(*, user: User) -> dict[str, Any]:
    """Who am I: the person, their current posts with effective data scopes, roles and
    what they may do."""
    scopes = role_scopes()
    posts = [
        {
            "id": p.pk,
            "unit_id": p.unit_id,
            "unit_name": p.unit.name,
            "role": p.role,
            "role_label": str(Role(p.role).label) if p.role in Role.values else p.role,
            "is_main": p.is_main,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "data_scope": p.data_scope or scopes.get(p.role, DataScope.OWN),
        }
        for p in active_posts(user)
    ]
    return {
        "user": user,
        "posts": posts,
        "roles": sorted(user_roles(user)),
        "permissions": permissions_summary(user),
    }


@dataclass
class MatrixRow:
    role: str
    label: Any
    cells: list[dict[str, Any]]


def permission_matrix(object_type_key: str) -> list[MatrixRow]:
    """One object type's role × action grid: effective value and whether it is a default."""
    from .permissions import default_allowed, object_type

    ot = object_type(object_type_key)
    table = permission_table()
    rows = []
    for role, label in Role.choices:
        cells = []
        for action in ot.actions:
            value = table.get((role, ot.key, action), False)
            cells.append(
                {
                    "action": action,
                    "label": Action(action).label if action in Action.values else action,
                    "name": f"{role}:{action}",
                    "allowed": value,
                    "is_default": value == default_allowed(role, ot.key, action),
                }
            )
        rows.append(MatrixRow(role=role, label=label, cells=cells))
    return rows
