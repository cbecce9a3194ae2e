"""Stop grams (``services.search.STOP_GRAMS``): never stored, never asked of the index; a
query made of them only is still answered by the ``contains`` recheck."""

import importlib

import pytest
from django.db import connection

from zhidu.customers.models import Contact, Customer
from zhidu.customers.services.import_rows import derive_name
from zhidu.customers.services.search import STOP_GRAMS, grams_for, query_grams, search_filter, search_text_for

from .factories import CustomerFactory

NAMES = [
    "北京华鑫科技有限公司",
    "重庆长安汽车股份有限公司",
    "上海浦东发展银行",
    "ABC Technology Co., Ltd.",
    "公司宝网络科技有限责任公司",
    "杭州有信集团",
    "V8动力工作室",
]


@pytest.fixture
def rows(db):
    return {n: CustomerFactory(name=n) for n in NAMES}


def test_stop_grams_are_the_commonest_letters_the_grams_of_youxiangongsi_and_common_finals():
    assert set("aeiounghzjxyscl") <= STOP_GRAMS
    assert {"有", "限", "公", "司", "有限", "限公", "公司"} <= STOP_GRAMS
    assert {"ng", "an", "en"} <= STOP_GRAMS
    # Rarer letters, the other suffixes' grams, digits and ordinary grams stay indexed.
    assert not {"v", "q", "r", "任", "责任", "集团", "股份", "8", "华", "科技", "技有", "hw", "zh"} & STOP_GRAMS


def test_stored_grams_leave_out_stop_grams_on_both_paths():
    for name in NAMES:
        text = search_text_for(name)
        grams = grams_for(text)
        assert not set(grams) & STOP_GRAMS
        assert derive_name(name)[2] == grams
    assert "技有" in grams_for(search_text_for("北京华鑫科技有限公司"))  # crosses the suffix boundary


def test_query_grams_leave_out_stop_grams():
    assert query_grams("公司") == []
    assert query_grams("有限公司") == []
    assert query_grams("a") == []
    assert query_grams("ang") == []
    assert query_grams("科技有限") == ["技有", "科技"]
    assert query_grams("8") == ["8"]
    assert query_grams("v") == ["v"]
    assert query_grams("任") == ["任"]
    assert query_grams("zhang") == ["ha", "zh"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query,expected",
    [
        # Only stop grams (公司, 有限, a, ang): no gram filter, the contains scan answers.
        ("公司", ["北京华鑫科技有限公司", "重庆长安汽车股份有限公司", "公司宝网络科技有限责任公司"]),
        ("有限", ["北京华鑫科技有限公司", "重庆长安汽车股份有限公司", "公司宝网络科技有限责任公司"]),
        ("集团", ["杭州有信集团"]),
        ("责任", ["公司宝网络科技有限责任公司"]),
        ("v", ["V8动力工作室"]),
        (
            "a",
            [
                "北京华鑫科技有限公司",
                "重庆长安汽车股份有限公司",
                "上海浦东发展银行",
                "ABC Technology Co., Ltd.",
                "公司宝网络科技有限责任公司",
                "杭州有信集团",
            ],
        ),
        ("co", ["ABC Technology Co., Ltd."]),  # "co" is not a stop gram
        ("ang", ["重庆长安汽车股份有限公司", "上海浦东发展银行", "杭州有信集团", "公司宝网络科技有限责任公司"]),
        # Across the suffix boundary, and a stop gram inside a name.
        ("科技有限", ["北京华鑫科技有限公司", "公司宝网络科技有限责任公司"]),
        ("公司宝", ["公司宝网络科技有限责任公司"]),
        ("有信", ["杭州有信集团"]),
        ("v8", ["V8动力工作室"]),
        ("8", ["V8动力工作室"]),
        ("hxkj", ["北京华鑫科技有限公司"]),
        ("beijinghuaxin", ["北京华鑫科技有限公司"]),
    ],
)
def test_search_with_stop_grams(rows, query, expected):
    found = sorted(search_filter(Customer.objects.all(), query).values_list("name", flat=True))
    assert found == sorted(expected)


@pytest.mark.django_db
def test_only_stop_grams_asks_no_gram_filter(rows):
    sql = str(search_filter(Customer.objects.all(), "公司").query)
    assert "@>" not in sql
    if connection.vendor == "postgresql":
        assert "@>" in str(search_filter(Customer.objects.all(), "华鑫").query)


@pytest.mark.django_db
@pytest.mark.postgres
def test_migration_drops_exactly_the_stop_grams_and_back(rows):
    """0008 on rows written with the old grams (stop grams included) leaves what
    ``grams_for`` gives now; its reverse gives the old grams back."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    migration = importlib.import_module("zhidu.customers.migrations.0008_search_stop_grams")

    def old_grams(text):
        grams: set[str] = set()
        for token in text.split(" "):
            grams.update(token)
            grams.update(token[i : i + 2] for i in range(len(token) - 1))
        return sorted(grams)

    for c in Customer.objects.all():
        Customer.objects.filter(pk=c.pk).update(search_grams=old_grams(c.search_text))
    Contact.objects.all().delete()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.add_stop_grams(None, editor)  # already complete: unchanged
    for c in Customer.objects.all():
        assert c.search_grams == old_grams(c.search_text), c.name
    with connection.cursor() as cursor:
        # The forward step's batch (its REINDEX CONCURRENTLY cannot run in a transaction).
        stop = migration.STOP_GRAMS
        cursor.execute(migration.DROP_SQL.format(table="customers_customer"), [stop, 0, 2**62, stop])
    assert sorted(migration.STOP_GRAMS) == sorted(STOP_GRAMS)
    for c in Customer.objects.all():
        assert c.search_grams == grams_for(c.search_text), c.name
    migration.add_stop_grams(None, editor)
    for c in Customer.objects.all():
        assert c.search_grams == old_grams(c.search_text), c.name
