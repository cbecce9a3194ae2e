"""One filter definition for the versions list page and ``GET /api/v1/policies/versions``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter
from zhidu.org.models import OrgUnit

from .choices import VersionStatus
from .models import PolicyVersion
from .registry import policy_kinds


def _kind_choices():
    return [(k.key, f"{k.key} · {k.label}") for k in policy_kinds()]


class PolicyVersionFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), field_name="policy__kind", choices=_kind_choices)
    unit = django_filters.ModelChoiceFilter(
        label=_("Org unit"),
        field_name="policy__unit",
        queryset=OrgUnit.objects.all(),
        help_text=_("The id of an org unit; versions set for that unit only."),
    )
    company_wide = BooleanFilter(
        label=_("Company-wide"),
        field_name="policy__unit",
        lookup_expr="isnull",
        help_text=_("Versions for the whole company."),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=VersionStatus.choices)
    effective_on_or_after = django_filters.DateFilter(
        label=_("Effective on or after"), field_name="effective_from", lookup_expr="gte"
    )
    effective_on_or_before = django_filters.DateFilter(
        label=_("Effective on or before"), field_name="effective_from", lookup_expr="lte"
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("number", "number"), ("effective_from", "effective_from"), ("published_at", "published_at")),
        field_labels={"number": _("Version"), "effective_from": _("Effective from"), "published_at": _("Published at")},
    )

    class Meta:
        model = PolicyVersion
        fields: list[str] = []
