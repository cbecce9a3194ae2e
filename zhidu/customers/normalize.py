"""Pure text normalisation for search and duplicate checks (查重). No database access.

- ``normalize_text``: full-width → half-width (NFKC), traditional → simplified
  (OpenCC t2s), lower case, whitespace removed.
- ``normalize_name``: ``normalize_text`` without punctuation or brackets and without
  legal-form suffixes (有限公司, 股份有限公司, 集团, Co., Ltd., Inc., …) so that
  ``華為技術有限公司``, ``华为技术（有限公司）`` and ``华为技术 公司`` compare equal.
- ``normalize_phone``: digits only, ``+86``/``0086`` dropped, extensions dropped.
- ``normalize_email``: trimmed, lower case.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")

# Longest first: the loop strips one suffix at a time from the end, repeatedly.
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "集团",
    "公司",
    "companylimited",
    "corporation",
    "incorporated",
    "company",
    "limited",
    "coltd",
    "group",
    "gmbh",
    "corp",
    "ltd",
    "llc",
    "plc",
    "inc",
    "co",
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#).*$", re.IGNORECASE)


@lru_cache(maxsize=200_000)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def normalize_text(value: str | None) -> str:
    """What searches compare: half-width, simplified, lower case, no whitespace."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value)
    text = to_simplified(text).lower()
    return _SPACE.sub("", text)


@lru_cache(maxsize=200_000)
def strip_legal_suffix(text: str) -> str:
    """Remove legal-form suffixes from an already normalised, punctuation-free name.
    Never strips a name to nothing: ``有限公司`` alone stays."""
    changed = True
    while changed:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def normalize_name(value: str | None) -> str:
    """The key duplicate checks compare names on (indexed as ``name_normalized``)."""
    text = normalize_text(value)
    text = _NOT_WORD.sub("", text)
    return strip_legal_suffix(text)


def normalize_phone(value: str | None) -> str:
    """``+86 138-1234-5678`` → ``13812345678``; ``(021) 6123 4567 转 8`` → ``02161234567``;
    ``+86 21 61234567`` → ``02161234567``. Returns "" when there are no digits."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = _EXTENSION.sub("", text)
    plus = text.startswith("+")
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits.startswith("0086"):
        digits, plus = digits[4:], True
    elif plus and digits.startswith("86"):
        digits = digits[2:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits, plus = digits[2:], True
    elif plus:
        return "+" + digits  # a foreign number: keep its country code
    # Mainland numbers written internationally lose the trunk 0 of their area code.
    if plus and digits and not digits.startswith("1") and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def normalize_email(value: str | None) -> str:
    if not value:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()
