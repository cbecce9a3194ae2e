"""查重: the duplicate check run on create, edit, import, lead conversion and the API.

Matches on the normalised name (full/half width, traditional/simplified, spaces,
brackets, legal suffixes), the credit code, contacts' phones (normalised, +86) and
e-mail addresses. What a match reveals is deliberately little — the name, the owner and
the protected-until date of the existing record, and whether it lies in a pool or the
recycle bin — because the person asking usually may not see that record (issue 4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.core.errors import Conflict

from ..models import Contact, Customer
from ..normalize import normalize_email, normalize_name, normalize_phone
from ..validators import normalize_credit_code

MATCH_LABELS = {
    "name": gettext_lazy("name"),
    "credit_code": gettext_lazy("unified social credit code"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
}


@dataclass
class DuplicateMatch:
    customer_id: int
    name: str
    owner_id: int | None
    owner_name: str
    protected_until: dt.date | None
    in_pool: bool
    pool_name: str
    in_recycle_bin: bool
    matched_on: list[str] = field(default_factory=list)

    def is_held_by(self, user) -> bool:
        return self.owner_id is not None and self.owner_id == getattr(user, "pk", None)

    def as_dict(self) -> dict[str, Any]:
        """The public shape: nothing beyond name, owner and protected-until (and where it is)."""
        return {
            "name": self.name,
            "owner": self.owner_name,
            "protected_until": self.protected_until.isoformat() if self.protected_until else None,
            "in_pool": self.in_pool,
            "pool": self.pool_name,
            "in_recycle_bin": self.in_recycle_bin,
            "matched_on": list(self.matched_on),
        }

    def describe(self) -> str:
        on = ", ".join(str(MATCH_LABELS[m]) for m in self.matched_on)
        if self.in_recycle_bin:
            where = _("in the recycle bin")
        elif self.in_pool:
            where = _("in the public pool %(pool)s") % {"pool": self.pool_name}
        else:
            where = _("held by %(owner)s") % {"owner": self.owner_name}
        until = (
            _(", protected until %(date)s") % {"date": f"{self.protected_until:%Y-%m-%d}"}
            if self.protected_until and not self.in_pool
            else ""
        )
        return _("“%(name)s”, %(where)s%(until)s (same %(on)s)") % {
            "name": self.name,
            "where": where,
            "until": until,
            "on": on,
        }


class DuplicateFound(Conflict):
    """A registration or edit collided with existing customers. The API body carries the
    matches (name, owner, protected-until only) so the UI can offer a conflict claim."""

    code = "duplicate"

    def __init__(self, matches: list[DuplicateMatch], *, user=None):
        self.matches = matches
        first = matches[0]
        if first.in_pool and not first.in_recycle_bin:
            hint = _("It is in the public pool: claim it there instead.")
        elif first.is_held_by(user):
            hint = _("You already hold it.")
        elif first.in_recycle_bin:
            hint = _("Ask an administrator to restore it.")
        else:
            hint = _("If you were there first, file a conflict claim.")
        message = _("This customer already exists: %(match)s. %(hint)s") % {"match": first.describe(), "hint": hint}
        fields: dict[str, list[str]] = {}
        for m in matches:
            for f in m.matched_on:
                fields.setdefault(f, []).append(m.describe())
        super().__init__(message, fields=fields)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["duplicates"] = [m.as_dict() for m in self.matches]
        return body


def find_duplicates(
    *,
    name: str = "",
    credit_code: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_customer_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Existing customers (in the recycle bin too: a credit code stays unique there) that
    look like the one described. Four indexed lookups; no scope applied — the result
    carries only what any user may learn about a duplicate."""
    hits: dict[int, list[str]] = {}

    def add(ids: Iterable[int], on: str) -> None:
        for pk in ids:
            if pk != exclude_customer_id and on not in hits.setdefault(pk, []):
                hits[pk].append(on)

    key = normalize_name(name)
    if len(key) >= 2:
        add(Customer.objects.filter(name_normalized=key).values_list("pk", flat=True)[:limit], "name")
    code = normalize_credit_code(credit_code)
    if code:
        add(Customer.objects.filter(credit_code=code).values_list("pk", flat=True)[:limit], "credit_code")
    phone_keys = sorted({p for p in (normalize_phone(x) for x in phones) if len(p) >= 7})
    if phone_keys:
        rows = Contact.objects.filter(Q(phone_normalized__in=phone_keys) | Q(phone2_normalized__in=phone_keys))
        add(rows.values_list("customer_id", flat=True)[:limit], "phone")
    email_keys = sorted({e for e in (normalize_email(x) for x in emails) if "@" in e})
    if email_keys:
        add(
            Contact.objects.filter(email_normalized__in=email_keys).values_list("customer_id", flat=True)[:limit],
            "email",
        )
    if not hits:
        return []
    customers = Customer.objects.filter(pk__in=list(hits)).select_related("owner", "pool").order_by("pk")
    matches = [
        DuplicateMatch(
            customer_id=c.pk,
            name=c.name,
            owner_id=c.owner_id,
            owner_name=str(c.owner) if c.owner_id else "",
            protected_until=c.protected_until,
            in_pool=c.pool_id is not None,
            pool_name=c.pool.name if c.pool is not None else "",
            in_recycle_bin=c.deleted_at is not None,
            matched_on=hits[c.pk],
        )
        for c in customers
    ]
    # Strongest evidence first: credit code, then name, then contact details.
    weight = {"credit_code": 0, "name": 1, "phone": 2, "email": 3}
    matches.sort(key=lambda m: (min(weight[o] for o in m.matched_on), m.customer_id))
    return matches[:limit]


def duplicate_check(
    *,
    user,
    name: str = "",
    credit_code: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_customer_id: int | None = None,
) -> None:
    """Refuse (``DuplicateFound``) when the described customer matches an existing one —
    another owner's, a pool's, one in the recycle bin, or the user's own."""
    matches = find_duplicates(
        name=name, credit_code=credit_code, phones=phones, emails=emails, exclude_customer_id=exclude_customer_id
    )
    if matches:
        raise DuplicateFound(matches, user=user)
