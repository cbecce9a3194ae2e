"""What a person sees of customers beyond their data scope (``Customer.visible_extra``):

- collaborators (协作人) see the customers they collaborate on, and edit them when their
  access is read-write;
- when the ``customer_visibility`` policy of their unit says so, reps see (read only)
  their teammates' customers (off by default: peers' customers stay hidden, 撬单);
- pool members see the customers lying in the public pools of their units and the units
  above them (contact details stay masked until claimed).

Computed once per request and memoised on the user object like the data scope."""

from __future__ import annotations

from django.db.models import Q

from zhidu.org.choices import Action
from zhidu.org.permissions import _cache, active_posts


def _policy_units(user) -> tuple[set[int], set[int]]:
    """(units whose teammates' customers the user sees, pool ids the user sees)."""
    cache = _cache(user)
    if "customers_extra" in cache:
        return cache["customers_extra"]
    from ..models import PublicPool
    from ..policies import policy_for

    team_units: set[int] = set()
    ancestor_ids: set[int] = set()
    for post in active_posts(user):
        policy = policy_for("customer_visibility", unit=post.unit)
        if policy.value.reps_see_team_customers:
            team_units.add(post.unit_id)
        if policy.value.pool_members_see_pool:
            ancestor_ids.update(post.unit.ancestor_ids())
    pool_ids: set[int] = set()
    if ancestor_ids:
        pool_ids = set(
            PublicPool.objects.filter(Q(unit_id__in=ancestor_ids) | Q(unit__isnull=True), is_active=True).values_list(
                "pk", flat=True
            )
        )
    cache["customers_extra"] = (team_units, pool_ids)
    return team_units, pool_ids


def customer_visible_extra(user, action: str) -> Q:
    from ..choices import CollaboratorAccess
    from ..models import Collaborator

    # A subquery, not a join: a join would repeat a customer once per collaborator.
    rows = Collaborator.objects.filter(user_id=user.pk)
    if action == Action.VIEW:
        q = Q(pk__in=rows.values("customer_id"))
        team_units, pool_ids = _policy_units(user)
        if team_units:
            q |= Q(owner_unit_id__in=sorted(team_units), pool__isnull=True)
        if pool_ids:
            q |= Q(pool_id__in=sorted(pool_ids))
        return q
    if action == Action.EDIT:
        return Q(pk__in=rows.filter(access=CollaboratorAccess.READ_WRITE).values("customer_id"))
    return Q(pk__in=[])
