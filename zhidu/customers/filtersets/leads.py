"""One FilterSet for the lead list page and ``GET /api/v1/customers/leads``."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter

from ..choices import LeadSource, LeadStatus
from ..models import Lead
from ..normalize import normalize_phone
from ..services.search import normalize_query


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("Company or contact (pinyin and initials too), or a phone.")
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=LeadStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=LeadSource.choices)
    owner = django_filters.NumberFilter(label=_("Owner (id)"), field_name="owner_id")
    unit = django_filters.NumberFilter(
        label=_("Unit (id)"), method="filter_unit", help_text=_("The unit and the units below it.")
    )
    mine = BooleanFilter(label=_("Mine only"), method="filter_mine")
    unassigned = BooleanFilter(label=_("Unassigned"), field_name="owner", lookup_expr="isnull")
    overdue = BooleanFilter(
        label=_("Past the first-response deadline"),
        method="filter_overdue",
        help_text=_("Not worked yet and past the deadline."),
    )
    created_after = django_filters.DateFilter(label=_("Created from"), field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(label=_("Created to"), field_name="created_at", lookup_expr="date__lte")
    ordering = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(
            ("created_at", "created"),
            ("first_response_due", "due"),
            ("name_normalized", "company"),
            ("status", "status"),
        ),
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        q = normalize_query(value)
        if not q:
            return qs
        cond = Q(search_text__contains=q)
        phone = normalize_phone(value)
        if len(phone) >= 4 and phone.lstrip("+").isdigit():
            cond |= Q(phone_normalized__contains=phone)
        if "@" in value:
            cond |= Q(email_normalized__contains=value.strip().lower())
        return qs.filter(cond)

    def filter_unit(self, qs, name, value):
        from zhidu.org.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return qs.none()
        return qs.filter(owner_unit__path__startswith=unit.path)

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value and user is not None:
            return qs.filter(owner_id=user.pk)
        return qs

    def filter_overdue(self, qs, name, value):
        cond = Q(owner__isnull=False, first_touched_at__isnull=True, first_response_due__lte=timezone.now())
        cond &= Q(status__in=[LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED])
        return qs.filter(cond) if value else qs.exclude(cond)
