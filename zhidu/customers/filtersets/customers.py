"""One FilterSet for the customer list page and ``GET /api/v1/customers/``."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import CustomerKind, CustomerStatus, CustomerTier, Industry, LeadSource, Province
from ..models import Customer
from ..services.search import search_filter


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Name, full pinyin or initials (hwjs finds 华为技术); traditional characters match too."),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CustomerStatus.choices)
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=CustomerTier.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CustomerKind.choices)
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    province = django_filters.ChoiceFilter(label=_("Province"), choices=Province.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=LeadSource.choices)
    owner = django_filters.NumberFilter(label=_("Owner (user id)"), field_name="owner_id")
    mine = django_filters.BooleanFilter(label=_("Only mine"), method="filter_mine")
    in_pool = django_filters.BooleanFilter(label=_("In a public pool"), method="filter_in_pool")
    tag = django_filters.NumberFilter(label=_("Tag (id)"), method="filter_tag")
    protected_until_before = django_filters.DateFilter(
        label=_("Protection ends on or before"), field_name="protected_until", lookup_expr="lte"
    )
    no_valid_follow_up_since = django_filters.DateFilter(
        label=_("No valid follow-up since"), method="filter_no_follow_up"
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(
            ("created_at", "created"),
            ("name_normalized", "name"),
            ("protected_until", "protected_until"),
            ("last_valid_follow_up_at", "last_follow_up"),
            ("tier", "tier"),
        ),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        from zhidu.org.permissions import visibility

        user = getattr(self.request, "user", None)
        wide = user is not None and visibility(user, "customers.customer", "view").everything
        return search_filter(qs, value, wide=wide)

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return qs
        return qs.filter(owner_id=user.pk) if value else qs.exclude(owner_id=user.pk)

    def filter_in_pool(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(pool__isnull=not value)

    def filter_tag(self, qs, name, value):
        if not value:
            return qs
        from ..models import CustomerTag

        return qs.filter(pk__in=CustomerTag.objects.filter(tag_id=int(value)).values("customer_id"))

    def filter_no_follow_up(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(last_valid_follow_up_at__isnull=True) | Q(last_valid_follow_up_at__date__lt=value))
