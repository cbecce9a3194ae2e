"""``/api/v1/policies/``: kinds with their JSON Schema, versions, resolution, drafts,
publication. Handlers validate and call services and selectors; nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhidu.core.errors import NotFound, PermissionDenied
from zhidu.core.filters import apply_filters, filter_schema, query_to_data
from zhidu.core.pagination import paginate
from zhidu.org.models import OrgUnit

from . import selectors, services
from .documents import kind_get
from .filtersets import PolicyVersionFilterSet
from .models import PolicyVersion
from .permissions import can_view_policies
from .registry import PolicyKind, policy_kinds
from .schemas import (
    ClosureIn,
    ClosureOut,
    DraftCreateIn,
    DraftUpdateIn,
    PolicyDiffOut,
    PolicyKindOut,
    PolicyVersionOut,
    PolicyVersionPage,
    PublishIn,
    ResolvedPolicyOut,
    RetireIn,
)

router = Router()
VersionQuery: Any = filter_schema(PolicyVersionFilterSet, "PolicyVersionQuery")


def _require_view(request) -> None:
    if not can_view_policies(request.user):
        raise PermissionDenied(_("You may not see the company's policies."))


def _kind_out(k: PolicyKind) -> dict:
    return {
        "key": k.key,
        "label": str(k.label),
        "clause": k.clause,
        "description": str(k.description or ""),
        "schema_version": k.schema_version,
        "document_schema": k.model.model_json_schema(),
        "default": k.default().model_dump(mode="json"),
    }


def _version_out(v: PolicyVersion) -> dict:
    return {
        "id": v.pk,
        "kind": v.policy.kind,
        "unit_id": v.policy.unit_id,
        "unit_name": v.policy.unit.name if v.policy.unit_id else None,
        "number": v.number,
        "status": v.status,
        "effective_from": v.effective_from,
        "schema_version": v.schema_version,
        "document": v.document,
        "ref": selectors.version_ref(v),
        "note": v.note,
        "based_on_id": v.based_on_id,
        "author_id": v.author_id,
        "published_by_id": v.published_by_id,
        "published_at": v.published_at,
        "retired_at": v.retired_at,
        "retired_reason": v.retired_reason,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
    }


def _version(pk: int) -> PolicyVersion:
    return selectors.policy_version_get(pk)


@router.get("/kinds", response=list[PolicyKindOut], summary="Policy kinds with their JSON Schema")
def kinds_list(request):
    _require_view(request)
    return [_kind_out(k) for k in policy_kinds()]


@router.get("/kinds/{key}", response=PolicyKindOut, summary="One policy kind")
def kind_get_one(request, key: str):
    _require_view(request)
    return _kind_out(kind_get(key))


@router.get("/versions", response=PolicyVersionPage, summary="Versions (drafts, publications, retired)")
def versions_list(request, query: Query[VersionQuery]):  # type: ignore[valid-type]
    _require_view(request)
    qs = apply_filters(PolicyVersionFilterSet, query_to_data(query), selectors.policy_version_queryset())
    page = paginate(qs, query.page, per_page=query.page_size, max_per_page=200)
    return {
        "items": [_version_out(v) for v in page.items],
        "page": page.number,
        "page_size": page.per_page,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


@router.get("/versions/{pk}", response=PolicyVersionOut, summary="One version")
def version_get(request, pk: int):
    _require_view(request)
    return _version_out(_version(pk))


@router.get("/versions/{pk}/diff", response=PolicyDiffOut, summary="Field-by-field differences from the rule in force")
def version_diff(request, pk: int):
    _require_view(request)
    base, lines = selectors.policy_version_diff(_version(pk))
    return {
        "base_ref": base.ref,
        "base_version_id": base.version_id,
        "changes": [{"path": d.path, "change": d.change, "old": d.old, "new": d.new} for d in lines],
    }


@router.get("/resolve", response=ResolvedPolicyOut, summary="The rule in force for a unit on a date")
def resolve(request, kind: str, unit: int | None = None, on: dt.date | None = None):
    _require_view(request)
    r = selectors.policy_resolve(kind, unit=unit, on=on)
    return {
        "kind": r.kind,
        "ref": r.ref,
        "version_id": r.version_id,
        "unit_id": r.unit.pk if r.unit else None,
        "effective_from": r.effective_from,
        "is_default": r.is_default,
        "value": r.as_dict(),
    }


@router.post("/drafts", response={201: PolicyVersionOut}, summary="Create a draft")
def draft_create(request, payload: DraftCreateIn):
    unit = None
    if payload.unit_id is not None:
        unit = OrgUnit.objects.filter(pk=payload.unit_id).first()
        if unit is None:
            raise NotFound(_("There is no such org unit."), fields={"unit_id": [_("There is no such org unit.")]})
    based_on = _version(payload.based_on_id) if payload.based_on_id is not None else None
    v = services.policy_draft_create(
        actor=request.user, kind=payload.kind, unit=unit, based_on=based_on, note=payload.note
    )
    return Status(201, _version_out(_version(v.pk)))


@router.put("/drafts/{pk}", response=PolicyVersionOut, summary="Replace a draft's document")
def draft_update(request, pk: int, payload: DraftUpdateIn):
    v = services.policy_draft_update(
        actor=request.user, version=_version(pk), document=payload.document, note=payload.note
    )
    return _version_out(_version(v.pk))


@router.delete("/drafts/{pk}", response={204: None}, summary="Discard a draft")
def draft_discard(request, pk: int):
    services.policy_draft_discard(actor=request.user, version=_version(pk))
    return Status(204, None)


@router.post("/versions/{pk}/publish", response=PolicyVersionOut, summary="Publish a draft")
def publish(request, pk: int, payload: PublishIn):
    v = services.policy_publish(
        actor=request.user,
        version=_version(pk),
        effective_from=payload.effective_from,
        backdate=payload.backdate,
        note=payload.note,
    )
    return _version_out(_version(v.pk))


@router.post("/versions/{pk}/retire", response=PolicyVersionOut, summary="Cancel a version before it takes effect")
def retire(request, pk: int, payload: RetireIn):
    v = services.policy_version_retire(actor=request.user, version=_version(pk), reason=payload.reason)
    return _version_out(_version(v.pk))


@router.get("/closures", response=list[ClosureOut], summary="Closed periods, latest first")
def closures_list(request):
    _require_view(request)
    return list(selectors.policy_closures()[:200])


@router.post("/closures", response={201: ClosureOut}, summary="Close a period for policy changes")
def closure_create(request, payload: ClosureIn):
    c = services.policy_closure_record(
        actor=request.user, kind=payload.kind, closed_through=payload.closed_through, note=payload.note
    )
    return Status(201, c)
