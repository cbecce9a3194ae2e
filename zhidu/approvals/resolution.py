"""Turning a flow's steps into people, at submission.

Managers are found through unit heads, walking up from the submitter's main unit: a unit
without a head (or whose head is inactive) passes to its parent's head, and a person who
heads several levels counts once. A submitter who heads their own unit is managed by the
head above. When the chain is shorter than the level asked for, the top-most manager
approves; when the submitter is the top of the chain, the step resolves to the submitter
and is skipped (self-approval). A step that resolves to nobody is an error: the request
is refused and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from zhidu.core.errors import ValidationError
from zhidu.org.choices import Role, UnitKind
from zhidu.org.models import OrgUnit, Post, User
from zhidu.org.permissions import main_unit

from .policies import UNIT_COMPANY, UNIT_REGION, UNIT_SUBMITTER, Approver, Flow, display_name


@dataclass
class PlannedStep:
    name: str
    mode: str
    approver_ids: list[int]
    rule: dict[str, Any] = field(default_factory=dict)


class _Nobody(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Resolver:
    """Resolves approver rules for one submitter; caches the unit chain."""

    def __init__(self, submitter: User, unit: OrgUnit | None):
        self.submitter = submitter
        self.unit = main_unit(submitter) or unit
        self._chain: list[OrgUnit] | None = None

    @property
    def chain(self) -> list[OrgUnit]:
        """The submitter's unit and its ancestors, nearest first."""
        if self._chain is None:
            if self.unit is None:
                self._chain = []
            else:
                self._chain = list(
                    OrgUnit.objects.filter(pk__in=self.unit.ancestor_ids()).select_related("head").order_by("-depth")
                )
        return self._chain

    def managers(self) -> tuple[list[int], bool]:
        """(manager ids nearest first, whether the submitter is the top of the chain)."""
        heads: list[int] = []
        for unit in self.chain:
            if unit.head is not None and unit.head.is_active and unit.head.pk not in heads:
                heads.append(unit.head.pk)
        if self.submitter.pk in heads:
            above = heads[heads.index(self.submitter.pk) + 1 :]
            return above, not above
        return heads, False

    def _unit_for(self, code: str) -> OrgUnit:
        if code == UNIT_SUBMITTER:
            if not self.chain:
                raise _Nobody(_("the submitter has no post in any unit"))
            return self.chain[0]
        if code in (UNIT_REGION, UNIT_COMPANY):
            if not self.chain:
                raise _Nobody(_("the submitter has no post in any unit"))
            kind = UnitKind.REGION if code == UNIT_REGION else UnitKind.COMPANY
            found = next((u for u in self.chain if u.kind == kind), None)
            if found is None and code == UNIT_COMPANY:
                found = self.chain[-1]
            if found is None:
                raise _Nobody(_("the submitter's unit is not in a region"))
            return found
        unit = OrgUnit.objects.filter(code=code, is_active=True).first()
        if unit is None:
            raise _Nobody(_("there is no active unit with the code “%(code)s”") % {"code": code})
        return unit

    def people(self, who: Approver) -> list[list[int]]:
        """One list of approver ids per step this rule produces (``managers_up_to`` makes several)."""
        if who.kind in ("manager", "managers_up_to"):
            managers, submitter_on_top = self.managers()
            if not managers:
                if submitter_on_top:
                    return [[self.submitter.pk]]
                if self.unit is None:
                    raise _Nobody(_("the submitter has no post in any unit"))
                raise _Nobody(_("no unit above the submitter has a head"))
            if who.kind == "manager":
                return [[managers[min(who.level, len(managers)) - 1]]]
            return [[m] for m in managers[: who.level]]
        if who.kind == "role_in_unit":
            unit = self._unit_for(who.unit)
            ids = list(
                Post.objects.active()
                .filter(unit=unit, role=who.role, user__is_active=True)
                .order_by("user_id")
                .values_list("user_id", flat=True)
                .distinct()
            )
            if not ids:
                raise _Nobody(
                    _("nobody holds the role “%(role)s” in %(unit)s")
                    % {"role": Role(who.role).label if who.role in Role.values else who.role, "unit": unit.name}
                )
            return [ids]
        users = dict(User.objects.filter(username__in=who.usernames, is_active=True).values_list("username", "pk"))
        ids = [users[u] for u in who.usernames if u in users]
        if not ids:
            raise _Nobody(
                _("none of the named people (%(names)s) is an active user") % {"names": ", ".join(who.usernames)}
            )
        return [ids]


def plan_steps(flow: Flow, resolver: Resolver) -> list[PlannedStep]:
    """The flow's steps as people; raises ``ValidationError`` if a step has nobody."""
    planned: list[PlannedStep] = []
    for number, step in enumerate(flow.steps, start=1):
        name = step.name or ""
        try:
            groups = resolver.people(step.who)
        except _Nobody as exc:
            raise ValidationError(
                _(
                    "Step %(number)s (“%(name)s”) of the approval flow “%(flow)s” has nobody to approve it: "
                    "%(reason)s. Ask an administrator to set the unit head or correct the approval policy."
                )
                % {
                    "number": number,
                    "name": display_name(name) if name else step.who.kind,
                    "flow": display_name(flow.label) if flow.label else flow.name,
                    "reason": exc.reason,
                },
                code="no_approver",
            )
        rule = step.model_dump(mode="json")
        if len(groups) == 1:
            planned.append(PlannedStep(name=name, mode=step.mode, approver_ids=groups[0], rule=rule))
        else:
            for level, ids in enumerate(groups, start=1):
                planned.append(
                    PlannedStep(name=name, mode=step.mode, approver_ids=ids, rule={**rule, "level_index": level})
                )
    return planned


def cc_people(flow: Flow, resolver: Resolver) -> list[int]:
    """People copied in by the flow; a rule that finds nobody copies nobody."""
    ids: list[int] = []
    for who in flow.cc:
        try:
            groups = resolver.people(who)
        except _Nobody:
            continue
        for group in groups:
            ids.extend(i for i in group if i not in ids and i != resolver.submitter.pk)
    return ids
