"""One FilterSet for the transfer list page and ``GET /api/v1/customers/transfers``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter

from ..choices import TransferKind
from ..models import Transfer


class TransferFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=TransferKind.choices)
    person = django_filters.NumberFilter(label=_("From or to (user id)"), method="filter_person")
    since = django_filters.DateFilter(label=_("From date"), field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To date"), field_name="created_at", lookup_expr="date__lte")
    with_failures = BooleanFilter(label=_("With failed rows"), method="filter_failures")

    class Meta:
        model = Transfer
        fields: list[str] = []

    def filter_person(self, qs, name, value):
        if not value:
            return qs
        from django.db.models import Q

        return qs.filter(Q(from_user_id=int(value)) | Q(to_user_id=int(value)))

    def filter_failures(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(failed__gt=0) if value else qs.filter(failed=0)
