import pytest

from zhidu.customers.normalize import normalize_email, normalize_name, normalize_phone
from zhidu.customers.services.search import grams_for, normalize_query, pinyin_of, query_grams, search_text_for
from zhidu.customers.validators import is_valid_credit_code, normalize_credit_code


@pytest.mark.parametrize(
    "a,b",
    [
        ("华为技术有限公司", "华为技术"),
        ("華為技術有限公司", "华为技术有限公司"),
        ("华为技术（有限公司）", "华为技术 公司"),
        ("ＡＢＣ科技股份有限公司", "abc科技"),
        ("ABC Technology Co., Ltd.", "abc technology"),
        ("海尔集团", "海尔集团有限公司"),
        ("西门子（中国）有限公司", "西门子(中国)"),
    ],
)
def test_names_that_are_the_same_firm_normalise_equal(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_different_firms_stay_different():
    assert normalize_name("华为技术有限公司") != normalize_name("华为终端有限公司")
    assert normalize_name("公司") == "公司"  # never stripped to nothing


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),
        ("(021) 6123 4567 转 8", "02161234567"),
        ("+86 21 61234567", "02161234567"),
        ("+1 415 555 0100", "+14155550100"),
        ("", ""),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected


def test_email_normalisation():
    assert normalize_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"


def test_pinyin_full_and_initials_and_polyphones():
    assert pinyin_of("华为技术") == ("huaweijishu", "hwjs")
    assert pinyin_of("重庆") == ("chongqing", "cq")
    assert pinyin_of("银行") == ("yinhang", "yh")
    assert pinyin_of("abc科技") == ("abckeji", "abckj")


def test_search_text_strips_legal_suffix_from_pinyin_only():
    text = search_text_for("華為技術有限公司")
    assert text == "华为技术有限公司 huaweijishu hwjs"


def test_grams_cover_every_query_of_a_match():
    text = search_text_for("重庆长安汽车股份有限公司")
    grams = set(grams_for(text))
    for query in ["重庆", "长安汽", "chongqing", "cqca", "车", "q"]:
        q = normalize_query(query)
        assert q in text
        assert set(query_grams(q)) <= grams


def test_query_normalisation_matches_traditional():
    assert normalize_query(" 華為 ") == "华为"


# Codes published on the national enterprise credit information system.
REAL_CODES = [
    "91440300708461136T",  # 腾讯科技（深圳）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110000802100433B",  # 中国石油化工股份有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司 (Hangzhou)
    "91110108717743469K",
]


def test_worked_example_of_the_standard():
    """GB 32100-2015's own example: 91350100M000100Y4 sums to 1640, 1640 mod 31 = 28,
    31 - 28 = 3, so the code ends in 3 and 91350100M000100Y4Z is wrong."""
    from zhidu.customers.validators import credit_code_check_char

    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y4Z")


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91440300708461136A",  # wrong check character
        "91440300708461136",  # 17 characters
        "9144030070846113IT",  # I is not in the code set
        "91440300708461163T",  # two characters swapped
        "914403AB708461136T",  # region code not digits
    ],
)
def test_invalid_credit_codes_fail(code):
    assert not is_valid_credit_code(code)


def test_credit_code_normalisation():
    assert normalize_credit_code(" ９１４４０３００７０８４６１１３６ｔ ") == "91440300708461136T"
