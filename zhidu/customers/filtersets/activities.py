"""One FilterSet for the follow-up list page and ``GET /api/v1/customers/activities``, and
one for the overdue list."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter

from ..choices import ActivityOutcome, CustomerTier
from ..models import Activity, ActivityType, Customer
from ..services.search import search_filter


def _types(request):
    return ActivityType.objects.order_by("sort_order", "code")


class ActivityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Customer"), method="filter_q", help_text=_("Customer name or pinyin."))
    customer = django_filters.NumberFilter(label=_("Customer (id)"), field_name="customer_id")
    lead = django_filters.NumberFilter(label=_("Lead (id)"), field_name="lead_id")
    type = django_filters.ModelChoiceFilter(label=_("Kind"), queryset=_types, field_name="type", to_field_name="code")
    owner = django_filters.NumberFilter(label=_("By (user id)"), field_name="owner_id")
    mine = BooleanFilter(label=_("Only mine"), method="filter_mine")
    valid = BooleanFilter(label=_("Valid follow-up"), field_name="is_valid")
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=ActivityOutcome.choices)
    flagged = BooleanFilter(label=_("Check-in flagged"), field_name="check_in__flagged")
    since = django_filters.DateFilter(label=_("From"), field_name="occurred_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="occurred_at", lookup_expr="date__lte")
    ordering = django_filters.OrderingFilter(label=_("Sort"), fields=(("occurred_at", "occurred_at"),))

    class Meta:
        model = Activity
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return search_filter(qs, value, prefix="customer__")

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return qs
        return qs.filter(owner_id=user.pk) if value else qs.exclude(owner_id=user.pk)


class OverdueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=CustomerTier.choices)
    owner = django_filters.NumberFilter(label=_("Owner (user id)"), field_name="owner_id")

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return search_filter(qs, value)
