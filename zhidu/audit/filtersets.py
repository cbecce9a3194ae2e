"""Filters of the audit and access log lists (pages, CSV export and API)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.org.models import User

from .models import AccessEvent, AccessLog, AuditEvent


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of a business-time-zone day, so "from 3 May" means 3 May in Shanghai."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


class _DateRange(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"),
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day, in the business time zone (YYYY-MM-DD)"),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Last day, in the business time zone (YYYY-MM-DD)"),
    )

    def filter_from(self, qs, name, value):
        return qs.filter(at__gte=_day_start(value)) if value else qs

    def filter_to(self, qs, name, value):
        return qs.filter(at__lt=_day_start(value + dt.timedelta(days=1))) if value else qs


class AuditEventFilterSet(_DateRange):
    actor = django_filters.ModelChoiceFilter(
        label=_("Actor"),
        queryset=User.objects.all(),
        empty_label=_("Anyone"),
        help_text=_("Who made the change (user id)"),
    )
    action = django_filters.CharFilter(
        label=_("Action"), lookup_expr="startswith", help_text=_("Action name or its beginning, e.g. 'post.'")
    )
    object_type = django_filters.CharFilter(label=_("Object type"), help_text=_("e.g. org.orgunit"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    request_id = django_filters.CharFilter(label=_("Request id"))

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "request_id", "date_from", "date_to"]


class AccessLogFilterSet(_DateRange):
    event = django_filters.ChoiceFilter(label=_("Event"), choices=AccessEvent.choices, empty_label=_("All events"))
    user = django_filters.ModelChoiceFilter(
        label=_("User"), queryset=User.objects.all(), empty_label=_("Anyone"), help_text=_("User id")
    )
    username = django_filters.CharFilter(
        label=_("User name given"), lookup_expr="icontains", help_text=_("The name typed at sign-in, also unknown ones")
    )
    ip = django_filters.CharFilter(label=_("IP address"), lookup_expr="startswith")

    class Meta:
        model = AccessLog
        fields = ["event", "user", "username", "ip", "date_from", "date_to"]
