"""One filter definition per list, for the list page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import RequestStatus
from .models import ApprovalRequest, ApprovalTask


def _object_type_q(prefix: str, value: str) -> Q:
    app_label, _sep, model = (value or "").strip().lower().partition(".")
    if not model:
        return Q(pk__in=[])
    return Q(**{f"{prefix}content_type__app_label": app_label, f"{prefix}content_type__model": model})


class ApprovalRequestFilterSet(django_filters.FilterSet):
    """ "I submitted" and "Copied to me"."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Words in the title."))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    object_type = django_filters.CharFilter(
        label=_("Object type"), method="filter_object_type", help_text=_("e.g. customers.customer")
    )
    submitted_from = django_filters.DateFilter(
        label=_("Submitted from"), field_name="submitted_at", lookup_expr="date__gte"
    )
    submitted_to = django_filters.DateFilter(
        label=_("Submitted to"), field_name="submitted_at", lookup_expr="date__lte"
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("submitted_at", "submitted_at"), ("amount", "amount"), ("decided_at", "decided_at")),
        field_labels={"submitted_at": _("Submitted at"), "amount": _("Amount"), "decided_at": _("Decided at")},
    )

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return qs.filter(title__icontains=value.strip()) if value and value.strip() else qs

    def filter_object_type(self, qs, name, value):
        return qs.filter(_object_type_q("", value)) if value else qs


class ApprovalTaskFilterSet(django_filters.FilterSet):
    """ "Waiting for me"."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Words in the title."))
    object_type = django_filters.CharFilter(
        label=_("Object type"), method="filter_object_type", help_text=_("e.g. customers.customer")
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("created_at", "waiting_since"), ("request__amount", "amount")),
        field_labels={"created_at": _("Waiting since"), "request__amount": _("Amount")},
    )

    class Meta:
        model = ApprovalTask
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return qs.filter(request__title__icontains=value.strip()) if value and value.strip() else qs

    def filter_object_type(self, qs, name, value):
        return qs.filter(_object_type_q("request__", value)) if value else qs
