"""Search cases on real rows, on both databases (PostgreSQL uses the gram array)."""

import pytest
from django.db import connection

from zhidu.customers.models import Customer
from zhidu.customers.services.search import search_filter

from .factories import CustomerFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "华为技术有限公司",
    "重庆长安汽车股份有限公司",
    "長沙銀行股份有限公司",
    "上海浦东发展银行",
    "ABC Technology Co., Ltd.",
    "华润万家有限公司",
]


@pytest.fixture
def rows(db):
    return {n: CustomerFactory(name=n) for n in NAMES}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("hwjs", ["华为技术有限公司"]),
        ("huawei", ["华为技术有限公司"]),
        ("华为", ["华为技术有限公司"]),
        ("華為", ["华为技术有限公司"]),
        ("chongqing", ["重庆长安汽车股份有限公司"]),
        ("cqca", ["重庆长安汽车股份有限公司"]),
        ("重慶", ["重庆长安汽车股份有限公司"]),
        ("长沙银行", ["長沙銀行股份有限公司"]),
        ("changshayinhang", ["長沙銀行股份有限公司"]),
        ("yinhang", ["上海浦东发展银行", "長沙銀行股份有限公司"]),
        ("华", ["华为技术有限公司", "华润万家有限公司"]),
        ("abc tech", ["ABC Technology Co., Ltd."]),
        ("ＡＢＣ", ["ABC Technology Co., Ltd."]),
        ("xyz", []),
    ],
)
def test_search(rows, query, expected):
    found = sorted(search_filter(Customer.objects.all(), query).values_list("name", flat=True))
    assert found == sorted(expected)


def test_grams_are_stored_only_on_postgresql(rows):
    grams = Customer.objects.get(name="华为技术有限公司").search_grams
    if connection.vendor == "postgresql":
        assert {"华为", "hw", "js", "华"} <= set(grams)
    else:
        assert grams is None


def test_empty_query_returns_everything(rows):
    assert search_filter(Customer.objects.all(), "  ").count() == len(NAMES)
