"""Import rows: the fields of each import kind, guessing the column mapping from Chinese or
English headers, cleaning a row (names trimmed, phones normalised, credit codes checked,
choice values recognised in either language), and the derived search columns computed
fast for many rows at once.

Pure functions, no database access: ``services/imports.py`` reads files and writes rows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import (
    CustomerKind,
    CustomerSize,
    CustomerStatus,
    CustomerTier,
    DecisionRole,
    ImportKind,
    Industry,
    LeadSource,
    Province,
)
from ..normalize import normalize_email, normalize_phone, to_simplified
from ..validators import validate_credit_code
from .search import STOP_GRAMS

# --- fields ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Any
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: str = ""
    max_length: int = 0


def _f(key, label, *synonyms, required=False, example="", max_length=0) -> ImportField:
    return ImportField(key, label, required, tuple(synonyms), example, max_length)


CONTACT_FIELDS = (
    _f(
        "contact_name",
        gettext_lazy("Contact name"),
        "联系人",
        "联系人姓名",
        "联系人名称",
        "contact",
        "contact name",
        example="张伟",
    ),
    _f(
        "contact_title",
        gettext_lazy("Contact job title"),
        "职务",
        "联系人职务",
        "职位",
        "title",
        "job title",
        example="采购经理",
    ),
    _f(
        "contact_phone",
        gettext_lazy("Contact phone"),
        "联系电话",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "phone",
        "mobile",
        "tel",
        example="13812345678",
    ),
    _f(
        "contact_phone2",
        gettext_lazy("Second phone"),
        "电话2",
        "座机",
        "固定电话",
        "办公电话",
        "phone2",
        "landline",
        example="021-61234567",
    ),
    _f(
        "contact_email",
        gettext_lazy("Contact e-mail"),
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "email",
        "e-mail",
        example="zhangwei@example.com",
    ),
    _f("contact_wechat", gettext_lazy("Contact WeChat"), "微信", "微信号", "wechat", example="zhangwei_wx"),
)

CUSTOMER_FIELDS = (
    _f(
        "name",
        gettext_lazy("Customer name"),
        "客户名称",
        "公司名称",
        "企业名称",
        "单位名称",
        "客户",
        "名称",
        "公司",
        "customer",
        "customer name",
        "company",
        "company name",
        "name",
        required=True,
        example="上海示例科技有限公司",
        max_length=200,
    ),
    _f(
        "credit_code",
        gettext_lazy("Unified social credit code"),
        "统一社会信用代码",
        "信用代码",
        "社会信用代码",
        "税号",
        "纳税人识别号",
        "credit code",
        "uscc",
        "unified social credit code",
        example="91310115MA1K4ABCDD",
    ),
    _f("kind", gettext_lazy("Kind"), "类型", "客户类型", "kind", "type", example="企业"),
    _f("industry", gettext_lazy("Industry"), "行业", "所属行业", "industry", example="制造业"),
    _f("province", gettext_lazy("Province"), "省份", "省", "省市", "地区", "province", "region", example="上海"),
    _f("city", gettext_lazy("City"), "城市", "市", "city", example="上海", max_length=60),
    _f("size", gettext_lazy("Size"), "规模", "企业规模", "size", example=""),
    _f(
        "address",
        gettext_lazy("Address"),
        "地址",
        "详细地址",
        "公司地址",
        "address",
        example="浦东新区世纪大道100号",
        max_length=300,
    ),
    _f("website", gettext_lazy("Website"), "网址", "官网", "网站", "website", "url", example="https://www.example.com"),
    _f("source", gettext_lazy("Source"), "来源", "客户来源", "渠道", "source", "channel", example="展会"),
    _f("tier", gettext_lazy("Tier"), "客户分类", "分类", "等级", "客户等级", "级别", "tier", "grade", example="B"),
    _f("status", gettext_lazy("Status"), "状态", "客户状态", "status", example="潜在客户"),
    _f("notes", gettext_lazy("Notes"), "备注", "说明", "notes", "remark", "remarks", example=""),
    *CONTACT_FIELDS,
)

CONTACT_IMPORT_FIELDS = (
    _f(
        "customer",
        gettext_lazy("Customer (name or credit code)"),
        "客户名称",
        "公司名称",
        "客户",
        "公司",
        "企业名称",
        "customer",
        "company",
        required=True,
        example="上海示例科技有限公司",
    ),
    _f(
        "name",
        gettext_lazy("Contact name"),
        "联系人",
        "姓名",
        "联系人姓名",
        "name",
        "contact",
        required=True,
        example="张伟",
    ),
    _f("title", gettext_lazy("Job title"), "职务", "职位", "title", example="采购经理", max_length=60),
    _f("department", gettext_lazy("Department"), "部门", "department", example="采购部", max_length=60),
    _f("decision_role", gettext_lazy("Role in the decision"), "决策角色", "角色", "role", example="决策者"),
    _f("phone", gettext_lazy("Phone"), "电话", "手机", "手机号", "联系电话", "phone", "mobile", example="13812345678"),
    _f("phone2", gettext_lazy("Second phone"), "电话2", "座机", "办公电话", "phone2", example="021-61234567"),
    _f("email", gettext_lazy("E-mail"), "邮箱", "电子邮箱", "email", "e-mail", example="zhangwei@example.com"),
    _f("wechat", gettext_lazy("WeChat"), "微信", "微信号", "wechat", example="zhangwei_wx", max_length=60),
    _f("birthday", gettext_lazy("Birthday"), "生日", "出生日期", "birthday", example="1985-06-01"),
    _f("notes", gettext_lazy("Notes"), "备注", "notes", example=""),
)

LEAD_FIELDS = (
    _f(
        "company",
        gettext_lazy("Company"),
        "公司名称",
        "公司",
        "企业名称",
        "客户名称",
        "单位",
        "company",
        example="杭州示例贸易有限公司",
        max_length=200,
    ),
    _f(
        "contact_name",
        gettext_lazy("Contact name"),
        "联系人",
        "姓名",
        "联系人姓名",
        "contact",
        "name",
        example="李娜",
        max_length=60,
    ),
    _f("title", gettext_lazy("Job title"), "职务", "职位", "title", example="总经理", max_length=60),
    _f(
        "phone",
        gettext_lazy("Phone"),
        "电话",
        "手机",
        "手机号",
        "联系电话",
        "联系方式",
        "phone",
        "mobile",
        example="13912345678",
    ),
    _f("email", gettext_lazy("E-mail"), "邮箱", "电子邮箱", "email", "e-mail", example="lina@example.com"),
    _f("wechat", gettext_lazy("WeChat"), "微信", "微信号", "wechat", example="", max_length=60),
    _f("province", gettext_lazy("Province"), "省份", "省", "地区", "province", example="浙江"),
    _f("city", gettext_lazy("City"), "城市", "市", "city", example="杭州", max_length=60),
    _f("industry", gettext_lazy("Industry"), "行业", "industry", example="批发和零售业"),
    _f(
        "product_line",
        gettext_lazy("Product line"),
        "产品线",
        "意向产品",
        "product",
        "product line",
        example="",
        max_length=60,
    ),
    _f("source", gettext_lazy("Source"), "来源", "线索来源", "渠道", "source", "channel", example="展会"),
    _f(
        "source_detail",
        gettext_lazy("Source detail"),
        "来源说明",
        "来源详情",
        "展会名称",
        "source detail",
        example="2026 上海工博会",
        max_length=200,
    ),
    _f("notes", gettext_lazy("Notes"), "备注", "需求", "notes", example=""),
)

FIELDS: dict[str, tuple[ImportField, ...]] = {
    ImportKind.CUSTOMERS: CUSTOMER_FIELDS,
    ImportKind.CONTACTS: CONTACT_IMPORT_FIELDS,
    ImportKind.LEADS: LEAD_FIELDS,
}


def fields_for(kind: str) -> tuple[ImportField, ...]:
    return FIELDS[kind]


# --- mapping ---------------------------------------------------------------------------------

_HEADER_JUNK = re.compile(r"[\s*＊:：()（）\[\]【】_\-/.]+")


def header_key(text: Any) -> str:
    """``"客户名称*"``, ``" Customer Name "`` → ``客户名称``, ``customername``."""
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def guess_mapping(kind: str, headers: list[str]) -> dict[str, int]:
    """Field key → column index, from the headers' names in Chinese or English (the field's
    label in either language, or a known synonym). Each column maps to one field at most."""
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int] = {}
    taken: set[int] = set()
    for f in fields_for(kind):
        names = {header_key(s) for s in f.synonyms} | {header_key(f.key)}
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                names.add(header_key(str(f.label)))
        for i, k in enumerate(keys):
            if i not in taken and k and k in names:
                mapping[f.key] = i
                taken.add(i)
                break
    return mapping


def check_mapping(kind: str, mapping: dict[str, int], width: int) -> dict[str, list[str]]:
    """Field errors of a mapping: required fields unmapped, columns out of range."""
    errors: dict[str, list[str]] = {}
    known = {f.key: f for f in fields_for(kind)}
    for key, col in mapping.items():
        if key not in known:
            errors.setdefault(key, []).append(_("Unknown field."))
        elif not isinstance(col, int) or not 0 <= col < width:
            errors.setdefault(key, []).append(_("No such column."))
    for f in fields_for(kind):
        if f.required and f.key not in mapping:
            errors.setdefault(f.key, []).append(_("Choose the column that holds %(field)s.") % {"field": f.label})
    if kind == ImportKind.LEADS and "company" not in mapping and "contact_name" not in mapping:
        errors.setdefault("company", []).append(_("Choose the column of the company or of the contact name."))
    cols = [c for c in mapping.values()]
    if len(cols) != len(set(cols)):
        errors.setdefault("__all__", []).append(_("One column is mapped to two fields."))
    return errors


# --- choice values in either language --------------------------------------------------------

_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$")


def _key(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


@cache
def _lookups() -> dict[str, dict[str, str]]:
    from zhidu.core import refdata

    tables: dict[str, dict[str, str]] = {}
    for name, choices in (
        ("kind", CustomerKind),
        ("size", CustomerSize),
        ("status", CustomerStatus),
        ("tier", CustomerTier),
        ("source", LeadSource),
        ("industry", Industry),
        ("decision_role", DecisionRole),
        ("province", Province),
    ):
        table: dict[str, str] = {}
        for value, label in choices.choices:
            table[_key(value)] = value
            for lang in ("en", "zh-hans"):
                with translation.override(lang):
                    table[_key(str(label))] = value
        tables[name] = table
    for r in refdata.regions():
        tables["province"][_key(r.name_zh)] = r.code
        tables["province"][_key(_PROVINCE_SUFFIX.sub("", r.name_zh))] = r.code
        tables["province"][_key(r.name_en)] = r.code
    for i in refdata.industries():
        tables["industry"][_key(i.name_zh)] = i.code
        tables["industry"][_key(i.name_en)] = i.code
    for t in "ABCD":
        for suffix in ("类", "级", "类客户", "级客户"):
            tables["tier"][_key(t + suffix)] = t
    extra = {
        "kind": {"企业": "company", "公司": "company", "个人": "individual", "外企": "foreign", "外资": "foreign"},
        "status": {
            "潜在": "prospect",
            "意向": "prospect",
            "成交": "active",
            "合作中": "active",
            "休眠": "dormant",
            "流失": "lost",
        },
        "size": {"微型": "micro", "小型": "small", "中型": "medium", "大型": "large"},
        "source": {
            "展会": "trade_show",
            "网络": "web_search",
            "网络搜索": "web_search",
            "推荐": "referral",
            "转介绍": "referral",
            "客户推荐": "referral",
            "行业报告": "industry_report",
            "官网": "website_inquiry",
            "官网咨询": "website_inquiry",
            "活动": "campaign",
            "市场活动": "campaign",
            "导入": "import",
            "其他": "other",
        },
        "decision_role": {
            "决策者": "decision_maker",
            "决策人": "decision_maker",
            "影响者": "influencer",
            "使用者": "user",
            "把关者": "gatekeeper",
        },
    }
    for name, values in extra.items():
        for k, v in values.items():
            tables[name].setdefault(_key(k), v)
    return tables


@lru_cache(maxsize=4096)
def choice_value(name: str, raw: str) -> str | None:
    """The stored code for ``raw`` (a code, or a label in English or Chinese); "" for an
    empty cell; None when it is not recognised."""
    k = _key(raw)
    if not k:
        return ""
    table = _lookups()[name]
    if k in table:
        return table[k]
    if name == "province":
        return table.get(_key(_PROVINCE_SUFFIX.sub("", k)))
    return None


# --- derived search columns, fast -------------------------------------------------------------
#
# The same values ``normalize.normalize_name`` and ``search.search_fields`` compute (a test
# checks it on many names), without their per-name cost that dominates a 100,000-row import:
#  - OpenCC's pure-Python t2s conversion is skipped for text holding no character any t2s
#    dictionary key contains (the conversion is then the identity: every single-character
#    key is a traditional character, and the only phrase keys without one are 沈船/沈默);
#  - pinyin is computed per word of pypinyin's own segmentation (forward maximum matching)
#    and memoised per word, so 上海 or 有限 are looked up once per import, not once per name.

_SPACE = re.compile(r"\s+", re.UNICODE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


@cache
def _t2s_key_chars() -> frozenset[str]:
    from importlib import resources

    base = resources.files("opencc") / "dictionary"
    chars: dict[str, str] = {}
    for line in (base / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            chars[k] = v.split(" ")[0]
    out = set("".join(chars))
    for line in (base / "TSPhrases.txt").read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            if not any(c in chars for c in k) and v.split(" ")[0] != k:
                out.update(k)
    return frozenset(out)


def fast_normalize_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    if not _t2s_key_chars().isdisjoint(text):
        text = to_simplified(text)
    return _SPACE.sub("", text.lower())


@lru_cache(maxsize=100_000)
def _word_pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of one word of pypinyin's segmentation, as ``lazy_pinyin``
    converts it inside a longer text."""
    from pypinyin import Style

    # The converter lazy_pinyin applies per segment; not in pypinyin's type stubs.
    from pypinyin.core import _default_convert  # type: ignore[attr-defined]

    out: list[str] = []
    for syllables in _default_convert.convert(word, Style.NORMAL, False, "ignore", strict=True):
        out.extend(syllables)
    return "".join(out), "".join(s[:1] for s in out if s)


def fast_pinyin_of(text: str) -> tuple[str, str]:
    """``search.pinyin_of`` word by word."""
    from pypinyin.seg.mmseg import seg as mmseg

    full: list[str] = []
    initials: list[str] = []
    for part in _HAN.split(text):
        if not part:
            continue
        if _HAN.fullmatch(part):
            for word in mmseg.cut(part):
                syllables, firsts = _word_pinyin(word)
                full.append(syllables)
                initials.append(firsts)
        else:
            kept = _NOT_WORD.sub("", part)
            full.append(kept)
            initials.append(kept)
    return "".join(full), "".join(initials)


@cache
def _suffixes_by_last_char() -> dict[str, tuple[str, ...]]:
    from ..normalize import LEGAL_SUFFIXES

    out: dict[str, list[str]] = {}
    for suffix in LEGAL_SUFFIXES:  # list order kept: the first that matches is stripped
        out.setdefault(suffix[-1], []).append(suffix)
    return {k: tuple(v) for k, v in out.items()}


def fast_strip_legal_suffix(text: str) -> str:
    """``normalize.strip_legal_suffix`` looking only at the suffixes that end with the
    text's last character."""
    table = _suffixes_by_last_char()
    while text:
        for suffix in table.get(text[-1], ()):
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        else:
            return text
    return text


def fast_grams(search_text: str) -> list[str]:
    """``search.grams_for``: the distinct 1- and 2-character grams of every token, without
    the stop grams."""
    grams: set[str] = set()
    for token in search_text.split(" "):
        grams.update(token)
        grams.update(map(str.__add__, token, token[1:]))
    grams -= STOP_GRAMS
    return sorted(grams)


@lru_cache(maxsize=50_000)
def derive_person(name: str) -> tuple[str, list[str]]:
    """(search_text[:400], search_grams) of a contact named ``name`` — ``search_fields``;
    memoised: people's names repeat."""
    _core, text, grams = derive_name(name)
    return text[:400], grams


def derive_name(name: str) -> tuple[str, str, list[str]]:
    """(name_normalized, search_text, search_grams) of a customer named ``name``; equal to
    ``normalize_name(name)[:200]`` and ``search_fields(name)``."""
    text = _NOT_WORD.sub("", fast_normalize_text(name)) if name else ""
    if not text:
        return "", "", []
    core = fast_strip_legal_suffix(text)
    if _HAN.fullmatch(core):
        full, initials, grams = _han_core(core, text[len(core) :])
    else:
        full, initials = fast_pinyin_of(core)
        grams = None
    tokens: list[str] = []
    for token in (text, full, initials):
        if token and token not in tokens:
            tokens.append(token)
    search_text = " ".join(tokens)
    return core[:200], search_text[:1000], grams if grams is not None else fast_grams(search_text)


@lru_cache(maxsize=100_000)
def _word_parts(word: str) -> tuple[str, str, frozenset[str]]:
    """(full pinyin, initials, grams inside the word) of one word of the segmentation: its
    characters and their bigrams, its pinyin's and its initials' letters and bigrams."""
    full, initials = _word_pinyin(word)
    grams = set(word)
    for token in (word, full, initials):
        grams.update(token)
        grams.update(map(str.__add__, token, token[1:]))
    return full, initials, frozenset(grams)


def _han_core(core: str, rest: str) -> tuple[str, str, list[str]]:
    """``fast_pinyin_of(core)`` and ``fast_grams`` of the search text, for a core made of
    Han characters only (most company names) followed by the stripped suffix ``rest``:
    the grams are put together from each word's memoised grams plus the bigrams across
    word boundaries, instead of cutting ~60 new strings out of every name."""
    from pypinyin.seg.mmseg import seg as mmseg

    full: list[str] = []
    initials: list[str] = []
    grams: set[str] = set()
    last_char = last_full = last_initial = ""
    for word in mmseg.cut(core):
        syllables, firsts, inside = _word_parts(word)
        grams |= inside
        if last_char:
            grams.add(last_char + word[0])
        last_char = word[-1]
        if syllables:
            if last_full:
                grams.add(last_full + syllables[0])
            last_full = syllables[-1]
            full.append(syllables)
        if firsts:
            if last_initial:
                grams.add(last_initial + firsts[0])
            last_initial = firsts[-1]
            initials.append(firsts)
    if rest:
        grams.update(rest)
        grams.update(map(str.__add__, rest, rest[1:]))
        grams.add(core[-1] + rest[0])
    grams -= STOP_GRAMS
    return "".join(full), "".join(initials), sorted(grams)


# --- cleaning --------------------------------------------------------------------------------

REASON_MISSING = "missing_field"
REASON_INVALID = "invalid_value"
REASON_CREDIT_CODE = "invalid_credit_code"
REASON_IN_FILE = "duplicate_in_file"
REASON_EXISTING = "duplicate_existing"
REASON_CONFLICT = "conflict"
REASON_CAP = "holding_cap"
REASON_NO_CUSTOMER = "unknown_customer"

REASON_LABELS = {
    REASON_MISSING: gettext_lazy("Missing required field"),
    REASON_INVALID: gettext_lazy("Invalid value"),
    REASON_CREDIT_CODE: gettext_lazy("Invalid credit code"),
    REASON_IN_FILE: gettext_lazy("Duplicate within the file"),
    REASON_EXISTING: gettext_lazy("Duplicate of an existing record"),
    REASON_CONFLICT: gettext_lazy("Conflict with another owner"),
    REASON_CAP: gettext_lazy("Over the holding cap"),
    REASON_NO_CUSTOMER: gettext_lazy("Customer not found"),
}


class RowError(Exception):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


@dataclass
class CleanRow:
    """One file row after cleaning. ``number`` is the row's number in the file (as a
    spreadsheet shows it). ``error``/``reason`` are set when it is rejected."""

    number: int
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    message: str = ""
    keys: dict[str, list[str]] = field(default_factory=dict)  # duplicate-check keys

    @property
    def ok(self) -> bool:
        return not self.reason


_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])
_INNER_SPACE = re.compile(r"\s+")


def _text(raw: dict[str, str], key: str, max_length: int = 0) -> str:
    value = raw.get(key)
    if not value:
        return ""
    value = _INNER_SPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    return value[:max_length] if max_length else value


def _name(raw: dict[str, str], key: str) -> str:
    """Names: outer spaces trimmed, inner runs of spaces folded; full-width letters and
    brackets stay as typed (the normalised key compares them)."""
    value = raw.get(key)
    if not value:
        return ""
    return _INNER_SPACE.sub(" ", value.replace("\u3000", " ")).strip()


_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def fast_credit_code(value: str) -> str:
    """``validators.normalize_credit_code`` (full width to half, no spaces, upper case)."""
    if not value:
        return ""
    return "".join(value.translate(_FULL_WIDTH).split()).upper()


def _phone(label: Any, value: str) -> tuple[str, str]:
    """(as written, normalised) or RowError."""
    value = (value or "").strip()
    if not value:
        return "", ""
    norm = normalize_phone(value)
    digits = norm.lstrip("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise RowError(
            REASON_INVALID, _("%(field)s: “%(value)s” is not a phone number.") % {"field": label, "value": value}
        )
    return value[:40], norm[:20]


def _email_value(label: Any, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _email(value)
    except DjangoValidationError:
        raise RowError(
            REASON_INVALID, _("%(field)s: “%(value)s” is not an e-mail address.") % {"field": label, "value": value}
        )
    return value[:200]


def _choice(name: str, label: Any, value: str) -> str:
    code = choice_value(name, value)
    if code is None:
        raise RowError(
            REASON_INVALID,
            _("%(field)s: “%(value)s” is not one of the known values.") % {"field": label, "value": value},
        )
    return code


def _date_value(label: Any, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise RowError(
        REASON_INVALID, _("%(field)s: “%(value)s” is not a date (use 2026-01-31).") % {"field": label, "value": text}
    )


def _required(value: str, label: Any) -> str:
    if not value:
        raise RowError(REASON_MISSING, _("Missing required field: %(field)s.") % {"field": label})
    return value


_CUSTOMER_LABELS = {f.key: f.label for f in CUSTOMER_FIELDS}
_CONTACT_LABELS = {f.key: f.label for f in CONTACT_IMPORT_FIELDS}
_LEAD_LABELS = {f.key: f.label for f in LEAD_FIELDS}


def clean_customer(raw: dict[str, str]) -> dict[str, Any]:
    """The customer (and first contact) of one row, or RowError."""
    labels = _CUSTOMER_LABELS
    name = _required(_name(raw, "name")[:200], labels["name"])
    code = fast_credit_code(raw.get("credit_code", ""))
    if code:
        try:
            validate_credit_code(code)
        except DjangoValidationError as exc:
            raise RowError(REASON_CREDIT_CODE, f"{labels['credit_code']}: {code} — {exc.messages[0]}")
    data: dict[str, Any] = {"name": name, "credit_code": code}
    for key in ("kind", "industry", "province", "size", "source", "tier", "status"):
        value = _text(raw, key)
        data[key] = _choice(key, labels[key], value) if value else ""
    data["kind"] = data["kind"] or CustomerKind.COMPANY
    data["tier"] = data["tier"] or CustomerTier.C
    data["status"] = data["status"] or CustomerStatus.PROSPECT
    data["source"] = data["source"] or LeadSource.IMPORT
    data["city"] = _text(raw, "city", 60)
    data["address"] = _text(raw, "address", 300)
    data["notes"] = (raw.get("notes", "") or "").strip()
    website = _text(raw, "website", 200)
    if website:
        if "://" not in website:
            website = "http://" + website
        try:
            _url(website)
        except DjangoValidationError:
            raise RowError(
                REASON_INVALID,
                _("%(field)s: “%(value)s” is not a web address.") % {"field": labels["website"], "value": website},
            )
    data["website"] = website
    if data["kind"] == CustomerKind.COMPANY and data["status"] != CustomerStatus.PROSPECT and not code:
        raise RowError(
            REASON_MISSING,
            _("Missing required field: %(field)s (a company that is more than a prospect needs it).")
            % {"field": labels["credit_code"]},
        )
    data["contact_name"] = _name(raw, "contact_name")[:60]
    data["contact_title"] = _text(raw, "contact_title", 60)
    data["contact_phone"], data["contact_phone_n"] = _phone(labels["contact_phone"], raw.get("contact_phone", ""))
    data["contact_phone2"], data["contact_phone2_n"] = _phone(labels["contact_phone2"], raw.get("contact_phone2", ""))
    data["contact_email"] = _email_value(labels["contact_email"], raw.get("contact_email", ""))
    data["contact_wechat"] = _text(raw, "contact_wechat", 60)
    has_contact_details = any(data[k] for k in ("contact_phone", "contact_phone2", "contact_email", "contact_wechat"))
    if has_contact_details and not data["contact_name"]:
        data["contact_name"] = _("Contact")
    return data


def clean_contact(raw: dict[str, str]) -> dict[str, Any]:
    labels = _CONTACT_LABELS
    data: dict[str, Any] = {
        "customer": _required(_name(raw, "customer"), labels["customer"]),
        "name": _required(_name(raw, "name")[:60], labels["name"]),
        "title": _text(raw, "title", 60),
        "department": _text(raw, "department", 60),
        "wechat": _text(raw, "wechat", 60),
        "notes": (raw.get("notes", "") or "").strip(),
    }
    role = _text(raw, "decision_role")
    data["decision_role"] = _choice("decision_role", labels["decision_role"], role) if role else ""
    data["phone"], data["phone_n"] = _phone(labels["phone"], raw.get("phone", ""))
    data["phone2"], data["phone2_n"] = _phone(labels["phone2"], raw.get("phone2", ""))
    data["email"] = _email_value(labels["email"], raw.get("email", ""))
    data["birthday"] = _date_value(labels["birthday"], raw.get("birthday"))
    return data


def clean_lead(raw: dict[str, str]) -> dict[str, Any]:
    labels = _LEAD_LABELS
    data: dict[str, Any] = {
        "company": _name(raw, "company")[:200],
        "contact_name": _name(raw, "contact_name")[:60],
        "title": _text(raw, "title", 60),
        "wechat": _text(raw, "wechat", 60),
        "city": _text(raw, "city", 60),
        "product_line": _text(raw, "product_line", 60),
        "source_detail": _text(raw, "source_detail", 200),
        "notes": (raw.get("notes", "") or "").strip(),
    }
    if not data["company"] and not data["contact_name"]:
        raise RowError(REASON_MISSING, _("Missing required field: %(field)s.") % {"field": labels["company"]})
    for key in ("province", "industry", "source"):
        value = _text(raw, key)
        data[key] = _choice(key, labels[key], value) if value else ""
    data["source"] = data["source"] or LeadSource.IMPORT
    data["phone"], data["phone_n"] = _phone(labels["phone"], raw.get("phone", ""))
    data["email"] = _email_value(labels["email"], raw.get("email", ""))
    if not data["phone"] and not data["email"] and not data["wechat"]:
        raise RowError(
            REASON_MISSING, _("Missing required field: %(field)s.") % {"field": _("a phone, an e-mail or a WeChat ID")}
        )
    return data


CLEANERS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    ImportKind.CUSTOMERS: clean_customer,
    ImportKind.CONTACTS: clean_contact,
    ImportKind.LEADS: clean_lead,
}


def clean_row(kind: str, number: int, raw: dict[str, str]) -> CleanRow:
    row = CleanRow(number=number)
    try:
        row.data = CLEANERS[kind](raw)
    except RowError as exc:
        row.reason, row.message = exc.reason, exc.message
    return row


def duplicate_keys(kind: str, data: dict[str, Any]) -> dict[str, list[str]]:
    """The keys two rows of one file, or a row and an existing record, are compared on."""
    if kind == ImportKind.CUSTOMERS:
        keys = {
            "credit_code": [data["credit_code"]] if data.get("credit_code") else [],
            "name": [data["name_normalized"]] if len(data.get("name_normalized", "")) >= 2 else [],
            "phone": sorted(
                {p for p in (data.get("contact_phone_n"), data.get("contact_phone2_n")) if p and len(p) >= 7}
            ),
            "email": [normalize_email(data["contact_email"])] if data.get("contact_email") else [],
        }
    elif kind == ImportKind.LEADS:
        keys = {
            "phone": [data["phone_n"]] if data.get("phone_n") else [],
            "email": [normalize_email(data["email"])] if data.get("email") else [],
            "name": [data["name_normalized"]] if len(data.get("name_normalized", "")) >= 2 else [],
        }
    else:
        keys = {
            "phone": sorted({p for p in (data.get("phone_n"), data.get("phone2_n")) if p}),
            "email": [normalize_email(data["email"])] if data.get("email") else [],
        }
    return {k: v for k, v in keys.items() if v}
