"""``filters_beyond_search``: whether a list's folded filters (everything but the search box
and the sort order) hold a value, so a phone's screen starts them open."""

import django_filters
import pytest
from django.http import QueryDict

from zhidu.core.filters import BooleanFilter, filters_beyond_search
from zhidu.org.models import User


class _Users(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q")
    is_active = BooleanFilter()
    language = django_filters.MultipleChoiceFilter(choices=[("en", "en"), ("zh-hans", "zh-hans")])
    ordering = django_filters.OrderingFilter(fields=(("username", "name"),))

    class Meta:
        model = User
        fields: list[str] = []

    def filter_q(self, queryset, name, value):  # pragma: no cover - never filtered here
        return queryset


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", False),
        ("q=huawei&ordering=-name&page=3", False),  # the search, the sort and paging stay outside
        ("is_active=&language=", False),  # empty values are not filters in force
        ("is_active=false", True),
        ("q=huawei&language=zh-hans", True),  # one value of a multiple choice
        ("unknown=1", False),  # a parameter that is no filter of this list
    ],
)
def test_only_a_set_folded_filter_counts(query, expected):
    filterset = _Users(QueryDict(query) or None, queryset=User.objects.none())
    assert filters_beyond_search(filterset) is expected


def test_a_plain_dict_works_too():
    assert filters_beyond_search(_Users({"is_active": "true"}, queryset=User.objects.none())) is True
    assert filters_beyond_search(_Users({"q": "x"}, queryset=User.objects.none())) is False
