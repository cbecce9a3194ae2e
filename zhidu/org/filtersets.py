"""One FilterSet per list: the HTML list pages and the API's documented filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.filters import BooleanFilter

from .choices import Role, UnitKind
from .models import OrgUnit, Post, User


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("User name, name, e-mail, phone or employee number")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        empty_label=_("All units"),
        help_text=_("People with a current post in this unit or below it (unit id)"),
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        choices=Role.choices,
        method="filter_role",
        empty_label=_("All roles"),
        help_text=_("People with a current post of this role"),
    )
    is_active = BooleanFilter(
        label=_("Status"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Active")), ("false", _("Deactivated"))]),
        help_text=_("true: active people; false: deactivated people"),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(
            ("username", "username"),
            ("full_name", "full_name"),
            ("date_joined", "date_joined"),
            ("last_login", "last_login"),
        ),
        field_labels={
            "username": _("User name"),
            "full_name": _("Full name"),
            "date_joined": _("Joined"),
            "last_login": _("Last sign-in"),
        },
    )

    class Meta:
        model = User
        fields = ["q", "unit", "role", "is_active"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(username__icontains=value)
            | Q(full_name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__contains=value)
            | Q(employee_no__iexact=value)
        )

    def filter_unit(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(pk__in=Post.objects.active().filter(unit__path__startswith=value.path).values("user_id"))

    def filter_role(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(pk__in=Post.objects.active().filter(role=value).values("user_id"))


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Name or code"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices)
    parent = django_filters.ModelChoiceFilter(
        label=_("Parent unit"), queryset=OrgUnit.objects.all(), help_text=_("Direct children of this unit (unit id)")
    )
    within = django_filters.ModelChoiceFilter(
        label=_("Within"),
        queryset=OrgUnit.objects.all(),
        method="filter_within",
        help_text=_("This unit and every unit below it (unit id)"),
    )
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "parent", "within", "is_active"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else qs

    def filter_within(self, qs, name, value):
        return qs.filter(path__startswith=value.path) if value else qs


class PostFilterSet(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(label=_("Person"), queryset=User.objects.all(), help_text=_("User id"))
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), queryset=OrgUnit.objects.all(), help_text=_("Unit id"))
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    is_main = BooleanFilter(label=_("Main post"))
    current = BooleanFilter(
        label=_("Current"), method="filter_current", help_text=_("Valid today (true) or not valid today (false)")
    )

    class Meta:
        model = Post
        fields = ["user", "unit", "role", "is_main", "current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        active = Post.objects.active(timezone.localdate()).values("pk")
        return qs.filter(pk__in=active) if value else qs.exclude(pk__in=active)
