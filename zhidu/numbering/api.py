"""``/api/v1/numbering/``: document types and their numbering rules. Numbers themselves
are issued by the services of the documents, never through the API."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from zhidu.core.errors import PermissionDenied

from . import selectors, services
from .permissions import can_view_numbering
from .registry import numbering_default
from .rules import RuleSpec
from .schemas import NumberingRuleIn, NumberingRuleOut

router = Router()


def _require_view(request) -> None:
    if not can_view_numbering(request.user):
        raise PermissionDenied(_("You may not see numbering rules."))


def _spec_dict(s: RuleSpec) -> dict:
    return {"prefix": s.prefix, "date_part": s.date_part, "width": s.width, "reset": s.reset, "separator": s.separator}


def _out(spec: RuleSpec, last: int) -> dict:
    return {
        "key": spec.key,
        "label": str(spec.label),
        **_spec_dict(spec),
        "overridden": spec.overridden,
        "default": _spec_dict(numbering_default(spec.key)),
        "last_issued": last,
        "next_number": spec.format(last + 1, timezone.localdate()),
    }


@router.get("/rules", response=list[NumberingRuleOut], summary="Numbering rules of every document type")
def rules_list(request):
    _require_view(request)
    return [_out(r["spec"], r["last"]) for r in selectors.numbering_rule_rows()]


@router.get("/rules/{key}", response=NumberingRuleOut, summary="One document type's numbering rule")
def rule_get(request, key: str):
    _require_view(request)
    spec = selectors.numbering_rule(key)
    return _out(spec, selectors.numbering_counter_value(key))


@router.put("/rules/{key}", response=NumberingRuleOut, summary="Change a numbering rule")
def rule_update(request, key: str, payload: NumberingRuleIn):
    services.numbering_rule_update(actor=request.user, key=key, **payload.dict())
    return _out(selectors.numbering_rule(key), selectors.numbering_counter_value(key))


@router.delete("/rules/{key}", response={204: None}, summary="Go back to the default rule in code")
def rule_reset(request, key: str):
    services.numbering_rule_reset(actor=request.user, key=key)
    return Status(204, None)
