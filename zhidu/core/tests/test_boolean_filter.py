"""Boolean filters read "Any / Yes / No", not Django's "Unknown", and still filter."""

import django_filters
import pytest
from django.utils import translation

from zhidu.core.filters import BooleanFilter
from zhidu.org.models import User


class _Users(django_filters.FilterSet):
    is_active = BooleanFilter(label="Active")

    class Meta:
        model = User
        fields: list[str] = []


def test_the_empty_choice_reads_any_and_is_selected_when_not_set():
    with translation.override("zh-hans"):
        html = str(_Users(data={}, queryset=User.objects.none()).form["is_active"])
    assert '<option value="" selected>全部</option>' in html
    assert "未知" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "selected", "expected"), [("true", "true", {"on"}), ("false", "false", {"off"}), ("", "", {"on", "off"})]
)
def test_yes_no_and_any_filter(value, selected, expected):
    User.objects.create(username="on", is_active=True)
    User.objects.create(username="off", is_active=False)
    fs = _Users(data={"is_active": value}, queryset=User.objects.filter(username__in=["on", "off"]))
    assert {u.username for u in fs.qs} == expected
    assert f'<option value="{selected}" selected>' in str(fs.form["is_active"])
