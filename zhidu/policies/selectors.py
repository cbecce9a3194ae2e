"""Reading policies: which version is in force for a unit on a date, and the lists the
pages show. See ``zhidu/policies/__init__.py`` for the contract with other apps."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel

from zhidu.org.models import OrgUnit

from .choices import VersionStatus
from .documents import DiffLine, document_diff, kind_get
from .models import Policy, PolicyClosure, PolicyVersion


def version_ref(version: PolicyVersion) -> str:
    """A stable, readable reference stored on computed results. Not translated: it is
    written once into other records and must read the same to everyone later."""
    parts = [f"{version.policy.kind} v{version.number}"]
    unit = version.policy.unit
    if unit is not None:
        parts.append(unit.name)
    if version.status == VersionStatus.DRAFT:
        parts.append("draft")
    elif version.effective_from:
        parts.append(f"from {version.effective_from.isoformat()}")
    return " · ".join(parts)


@dataclass(frozen=True)
class ResolvedPolicy:
    """The rule in force: ``value`` (the kind's pydantic instance), the ``version`` it came
    from (``None`` for the default in code), and ``ref`` / ``version_id`` for the record
    that a computation writes ("which rule did I use?")."""

    kind: str
    value: BaseModel
    version: PolicyVersion | None
    ref: str
    unit: OrgUnit | None = None  # the unit whose policy applied; None: company-wide or default
    is_draft: bool = False

    @property
    def version_id(self) -> int | None:
        return self.version.pk if self.version is not None else None

    @property
    def effective_from(self) -> dt.date | None:
        return self.version.effective_from if self.version is not None else None

    @property
    def is_default(self) -> bool:
        return self.version is None

    def as_dict(self) -> dict[str, Any]:
        return self.value.model_dump(mode="json")

    @classmethod
    def default(cls, kind: str) -> ResolvedPolicy:
        k = kind_get(kind)
        return cls(kind=k.key, value=k.default(), version=None, ref=f"{k.key} · default")

    @classmethod
    def from_version(cls, version: PolicyVersion) -> ResolvedPolicy:
        k = kind_get(version.policy.kind)
        return cls(
            kind=k.key,
            value=k.parse(version.document, version.schema_version),
            version=version,
            ref=version_ref(version),
            unit=version.policy.unit if version.policy.unit_id else None,
            is_draft=version.status == VersionStatus.DRAFT,
        )

    @classmethod
    def from_draft(cls, version: PolicyVersion) -> ResolvedPolicy:
        """A draft as if it were in force, for a what-if run: nothing is published and
        nothing should be stored with it (``is_draft`` is True, ``ref`` says "draft")."""
        return cls.from_version(version)


# --- a short-lived cache ----------------------------------------------------------------
# Opt-in: ``with policy_cache(): …`` around a batch (an allocation run over 10,000 leads)
# resolves each (kind, unit, date) once. Any policy write in this process drops every
# cache at once and again when it commits, and turns off the cache of the scope it ran
# in, so a publish is never hidden by a cached answer. Another process's publish is seen
# by the next scope: keep scopes to one request or one job.
_generation = 0
_generation_lock = threading.Lock()
_scope: ContextVar[dict | None] = ContextVar("zhidu_policy_cache", default=None)


def policy_cache_invalidate() -> None:
    global _generation
    with _generation_lock:
        _generation += 1
    scope = _scope.get()
    if scope is not None:
        scope["disabled"] = True


@contextlib.contextmanager
def policy_cache() -> Iterator[None]:
    if _scope.get() is not None:  # nested: the outer scope already caches
        yield
        return
    token = _scope.set({"gen": _generation, "disabled": False, "entries": {}})
    try:
        yield
    finally:
        _scope.reset(token)


def _unit_chain(unit: OrgUnit | int | None) -> list[int]:
    if unit is None:
        return []
    if isinstance(unit, OrgUnit):
        return unit.ancestor_ids()
    path = OrgUnit.objects.filter(pk=unit).values_list("path", flat=True).first()
    if path is None:
        from django.utils.translation import gettext as _

        from zhidu.core.errors import NotFound

        raise NotFound(_("There is no such org unit."))
    return [int(x) for x in path.strip("/").split("/") if x]


def policy_resolve(kind: str, *, unit: OrgUnit | int | None = None, on: dt.date | None = None) -> ResolvedPolicy:
    """The version of ``kind`` in force for ``unit`` on ``on`` (default: today in the
    business time zone): among the unit, its ancestors and the company-wide policy, the
    nearest one that has a published version with ``effective_from <= on`` wins, and of
    its versions the latest (by date, then version number); else the default in code."""
    k = kind_get(kind)
    if on is None:
        on = timezone.localdate()
    elif isinstance(on, dt.datetime):
        on = timezone.localdate(on)
    chain = _unit_chain(unit)
    key = (k.key, tuple(chain), on)
    scope = _scope.get()
    if scope is not None and scope["disabled"]:
        scope = None
    if scope is not None:
        if scope["gen"] != _generation:
            scope["entries"].clear()
            scope["gen"] = _generation
        hit = scope["entries"].get(key)
        if hit is not None:
            return hit
    rows = (
        PolicyVersion.objects.filter(policy__kind=k.key, status=VersionStatus.PUBLISHED, effective_from__lte=on)
        .filter(Q(policy__unit__isnull=True) | Q(policy__unit_id__in=chain))
        .select_related("policy__unit")
        .order_by("-effective_from", "-number")
    )
    best: PolicyVersion | None = None
    best_depth = -2
    seen: set[int] = set()
    for v in rows:
        if v.policy_id in seen:
            continue
        seen.add(v.policy_id)
        depth = -1 if v.policy.unit_id is None else chain.index(v.policy.unit_id)
        if depth > best_depth:
            best, best_depth = v, depth
    result = ResolvedPolicy.from_version(best) if best is not None else ResolvedPolicy.default(k.key)
    if scope is not None and scope["gen"] == _generation:
        scope["entries"][key] = result
    return result


def policy_closed_through(kind: str) -> dt.date | None:
    """The last day closed for ``kind`` (a row for every kind counts too)."""
    return PolicyClosure.objects.filter(kind__in=["", kind]).aggregate(d=Max("closed_through"))["d"]


def policy_closures() -> QuerySet[PolicyClosure]:
    return PolicyClosure.objects.select_related("closed_by").order_by("-closed_through", "-id")


def policy_version_queryset() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.select_related("policy__unit", "author", "published_by").order_by(
        "policy__kind", "policy__unit__path", "-number"
    )


def policy_version_get(pk: int) -> PolicyVersion:
    from django.utils.translation import gettext as _

    from zhidu.core.errors import NotFound

    v = policy_version_queryset().filter(pk=pk).first()
    if v is None:
        raise NotFound(_("There is no such policy version."))
    return v


def policy_kind_summaries() -> list[dict[str, Any]]:
    """Every registered kind with the clause it implements, what is in force company-wide
    today, and how many versions and drafts it has. Three queries whatever the number of
    kinds."""
    from .registry import policy_kinds

    counts: dict[tuple[str, str], int] = {}
    for row in PolicyVersion.objects.values("policy__kind", "status").annotate(n=Count("id")):
        counts[(row["policy__kind"], row["status"])] = row["n"]
    units: dict[str, int] = dict(
        Policy.objects.filter(unit__isnull=False).values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    today = timezone.localdate()
    company: dict[str, PolicyVersion] = {}
    for v in (
        PolicyVersion.objects.filter(
            policy__unit__isnull=True, status=VersionStatus.PUBLISHED, effective_from__lte=today
        )
        .select_related("policy")
        .order_by("-effective_from", "-number")
    ):
        company.setdefault(v.policy.kind, v)
    out = []
    for k in policy_kinds():
        in_force = company.get(k.key)
        out.append(
            {
                "kind": k,
                "in_force": in_force,
                "ref": version_ref(in_force) if in_force else f"{k.key} · default",
                "published": counts.get((k.key, VersionStatus.PUBLISHED), 0),
                "drafts": counts.get((k.key, VersionStatus.DRAFT), 0),
                "unit_policies": units.get(k.key, 0),
            }
        )
    return out


def policy_version_base(version: PolicyVersion) -> ResolvedPolicy:
    """What a version is compared with: for a draft, the rule in force today at its unit;
    for a publication, the rule in force the day before it took effect (without itself)."""
    unit = version.policy.unit if version.policy.unit_id else None
    if version.status == VersionStatus.DRAFT or version.effective_from is None:
        return policy_resolve(version.policy.kind, unit=unit)
    return policy_resolve(version.policy.kind, unit=unit, on=version.effective_from - dt.timedelta(days=1))


def policy_version_diff(version: PolicyVersion) -> tuple[ResolvedPolicy, list[DiffLine]]:
    base = policy_version_base(version)
    k = kind_get(version.policy.kind)
    new = k.parse(version.document, version.schema_version).model_dump(mode="json")
    return base, document_diff(base.as_dict(), new)


def policy_later_versions(version: PolicyVersion, effective_from: dt.date) -> list[PolicyVersion]:
    """Published versions of the same policy that take effect after ``effective_from``:
    the publish form warns that they will replace the new one on their date."""
    return list(
        PolicyVersion.objects.filter(
            policy_id=version.policy_id, status=VersionStatus.PUBLISHED, effective_from__gt=effective_from
        ).order_by("effective_from")
    )
