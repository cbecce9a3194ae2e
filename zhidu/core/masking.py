"""脱敏: phone numbers and e-mail addresses shown masked to anyone without the "view full
phone number" action (``view_phone``) on the object type, in pages, the API and files.

``mask_phone`` keeps every separator the number was written with and hides digits only:

- mobile ``13812345678`` → ``138****5678`` (also ``+86 138 1234 5678`` → ``+86 138 **** 5678``);
- landline ``021-12345678`` → ``021-****5678``; ``0755-1234567`` → ``0755-***4567``;
- a number without an area code keeps its last four digits, short ones their last two.

Revealing a full number on purpose (a "show" button) goes through :func:`phone_reveal`,
which checks the permission and the record's scope and writes an access-log row."""

from __future__ import annotations

import re
from typing import Any

MASK = "*"
_DIGIT = re.compile(r"\d")
# Area codes of three digits: Beijing 010 and the 02x cities; the rest have four.
_THREE_DIGIT_AREA = re.compile(r"^0(10|2\d)")


def _mask_positions(digits: str) -> tuple[int, int]:
    """The half-open range ``[start, end)`` of digit indexes to hide."""
    n = len(digits)
    offset = 0
    if digits.startswith("0086") and n >= 15:
        offset = 4
    elif digits.startswith("86") and n == 13 and digits[2] == "1":
        offset = 2
    national = digits[offset:]
    m = len(national)
    if m == 11 and national[0] == "1":  # mobile: 3 + 4 hidden + 4
        return offset + 3, offset + 7
    if national.startswith("0") and m >= 9:  # landline with area code
        area = 3 if _THREE_DIGIT_AREA.match(national) else 4
        local = m - area
        keep = 4 if local > 4 else max(1, local // 2)
        return offset + area, offset + m - keep
    if m >= 7:  # local number, service line or anything long: keep the last four
        return offset + max(0, m - 8), offset + m - 4
    if m >= 3:
        return offset, offset + m - 2
    return offset, offset + m


def mask_phone(value: Any) -> str:
    """``13812345678`` → ``138****5678``; keeps separators and a leading ``+86``."""
    if value is None:
        return ""
    text = str(value).strip()
    digits = "".join(_DIGIT.findall(text))
    if not digits:
        return text
    start, end = _mask_positions(digits)
    out, i = [], 0
    for ch in text:
        if ch.isdigit():
            out.append(MASK if start <= i < end else ch)
            i += 1
        else:
            out.append(ch)
    return "".join(out)


def mask_email(value: Any) -> str:
    """``zhangsan@example.com`` → ``z***n@example.com``; the domain stays readable."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    if len(local) <= 1:
        masked = MASK
    elif len(local) == 2:
        masked = local[0] + MASK
    else:
        masked = local[0] + MASK * 3 + local[-1]
    return f"{masked}@{domain}" if at else masked


def can_view_phone(user, object_type: str) -> bool:
    from zhidu.org.permissions import has_perm

    return has_perm(user, object_type, "view_phone")


def can_view_phone_anywhere(user) -> bool:
    """Holds ``view_phone`` on at least one object type (for the short template filter)."""
    from zhidu.org.permissions import has_perm, object_types

    return any(has_perm(user, ot.key, "view_phone") for ot in object_types() if "view_phone" in ot.actions)


def phone_for(user, object_type: str, value: Any) -> str:
    """The number as ``user`` may see it on ``object_type`` records: full or masked."""
    if value in (None, ""):
        return ""
    return str(value) if can_view_phone(user, object_type) else mask_phone(value)


def email_for(user, object_type: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    return str(value) if can_view_phone(user, object_type) else mask_email(value)


def phone_reveal(*, user, obj, field: str) -> str:
    """The full value of ``obj.<field>`` for an explicit "show" action.

    Allowed when ``user`` holds ``view_phone`` on the object's type and may see the record
    (its data scope, when the model is scoped). Writes an access-log row: who saw whose
    number, when, from where (网络安全法 §21). Raises ``PermissionDenied`` otherwise."""
    from django.utils.translation import gettext as _

    from zhidu.audit.models import AccessEvent
    from zhidu.audit.services import access_log
    from zhidu.core.errors import PermissionDenied, ValidationError
    from zhidu.org.permissions import can_see

    object_type = obj._meta.label_lower
    try:
        obj._meta.get_field(field)
    except Exception:
        raise ValidationError(_("Unknown field."), fields={"field": [_("Unknown field.")]})
    if not can_view_phone(user, object_type):
        raise PermissionDenied(_("You may not see full phone numbers here."))
    if hasattr(type(obj)._default_manager.all(), "visible_to") and not can_see(user, obj):
        raise PermissionDenied(_("You may not see full phone numbers here."))
    value = getattr(obj, field) or ""
    access_log(user=user, event=AccessEvent.VIEW_PHONE, object_type=object_type, detail=f"{obj.pk}:{field}", rows=1)
    return str(value)
