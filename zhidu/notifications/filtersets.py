from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter

from .choices import DeliveryStatus
from .models import Delivery, Notification


class NotificationFilterSet(django_filters.FilterSet):
    unread = BooleanFilter(label=_("Unread only"), method="filter_unread")
    event = django_filters.CharFilter(label=_("Event"), field_name="event")

    class Meta:
        model = Notification
        fields = ["unread", "event"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=True) if value else queryset


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeliveryStatus.choices)
    channel = django_filters.NumberFilter(label=_("Channel"), field_name="channel_id")
    event = django_filters.CharFilter(label=_("Event"), field_name="event")

    class Meta:
        model = Delivery
        fields = ["status", "channel", "event"]
