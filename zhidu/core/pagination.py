"""Pagination that never counts the whole table on every page (DESIGN: search).

Pages fetch one row more than they show to know whether a next page exists; the total
is counted only up to a cap, so a list of a million rows stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COUNT_CAP = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    has_next: bool
    total: int
    total_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def capped_count(qs, cap: int = COUNT_CAP) -> tuple[int, bool]:
    n = qs.order_by()[: cap + 1].count()
    return (min(n, cap), n > cap)


def paginate(qs, page: Any = 1, per_page: int = 25, max_per_page: int = 200) -> Page:
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    per_page = max(1, min(int(per_page), max_per_page))
    offset = (number - 1) * per_page
    rows = list(qs[offset : offset + per_page + 1])
    total, capped = capped_count(qs)
    return Page(
        items=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page,
        total=total,
        total_capped=capped,
    )
