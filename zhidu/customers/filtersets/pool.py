"""One FilterSet for the pool page and ``GET /api/v1/customers/pool/customers``, one for
the pool's event log."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..choices import CustomerTier, Industry, PoolEventKind, Province
from ..models import Customer, PoolEvent
from ..services.search import search_filter


class PoolCustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Name, full pinyin or initials."))
    pool = django_filters.NumberFilter(label=_("Pool (id)"), field_name="pool_id")
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=CustomerTier.choices)
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    province = django_filters.ChoiceFilter(label=_("Province"), choices=Province.choices)
    ordering = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("pool_since", "since"), ("name_normalized", "name"), ("tier", "tier")),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return search_filter(qs, value)


class PoolEventFilterSet(django_filters.FilterSet):
    pool = django_filters.NumberFilter(label=_("Pool (id)"), field_name="pool_id")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PoolEventKind.choices)
    customer = django_filters.NumberFilter(label=_("Customer (id)"), field_name="customer_id")
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")
    ordering = django_filters.OrderingFilter(label=_("Sort"), fields=(("at", "at"),))

    class Meta:
        model = PoolEvent
        fields: list[str] = []
