"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from the 31-character set ``0-9`` and ``A-Z`` without I, O, Z, S, V:
position 1 the registering authority, 2 the entity category, 3–8 the administrative
division (GB/T 2260, digits), 9–17 the organisation code, 18 a check character:
``c18 = 31 - (Σ value(cᵢ) · wᵢ mod 31)`` (31 → 0) with weights ``wᵢ = 3^(i-1) mod 31``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}


def normalize_credit_code(value: str) -> str:
    """Upper case, full-width to half-width, spaces removed."""
    out = []
    for ch in value or "":
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch.isspace():
            continue
        out.append(ch.upper())
    return "".join(out)


def credit_code_check_char(first17: str) -> str:
    total = sum(_VALUES[c] * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    if len(value) != 18 or any(c not in _VALUES for c in value):
        return False
    if not value[2:8].isdigit():
        return False
    return credit_code_check_char(value[:17]) == value[17]


def validate_credit_code(value: str) -> None:
    if not value:
        return
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="credit_code_length",
            params={"n": len(value)},
        )
    bad = sorted({c for c in value if c not in _VALUES})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters without I, O, Z, S, V (found %(chars)s)."
            ),
            code="credit_code_chars",
            params={"chars": " ".join(bad)},
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the region code and must be digits."),
            code="credit_code_region",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code fails its check digit: please check it for typing errors."),
            code="credit_code_check",
        )
