"""Reference data every app may read: China's provinces with their sales regions
(GB/T 2260) and the industry sections of GB/T 4754-2017.

The CSV files live in ``zhidu/core/data/`` and ship inside the package. Rows are parsed
once per process and returned as immutable tuples of typed rows, so callers can build
choices or look codes up without touching the files::

    from zhidu.core import refdata

    refdata.region("44").name_zh              # "广东省"
    refdata.provinces_in("华南")               # (Region(code="44", …), …)
    [(i.code, i.label) for i in refdata.industries()]
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from django.utils.translation import get_language


@dataclass(frozen=True, slots=True)
class Region:
    """A provincial-level division and the sales region it is usually grouped into."""

    code: str  # GB/T 2260 two-digit code, "31"
    name_zh: str  # "上海市"
    name_en: str  # "Shanghai"
    sales_region_zh: str  # "华东"
    sales_region_en: str  # "East China"

    @property
    def label(self) -> str:
        """The name in the active language (Chinese unless English is active)."""
        return self.name_en if _english() else self.name_zh

    @property
    def sales_region_label(self) -> str:
        return self.sales_region_en if _english() else self.sales_region_zh


@dataclass(frozen=True, slots=True)
class Industry:
    """A section (门类) of the national industry classification GB/T 4754-2017."""

    code: str  # "A" … "T"
    name_zh: str
    name_en: str

    @property
    def label(self) -> str:
        return self.name_en if _english() else self.name_zh


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("zhidu.core").joinpath("data", filename).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def regions() -> tuple[Region, ...]:
    """The 34 provincial-level divisions, in GB/T 2260 code order."""
    return tuple(Region(**row) for row in _rows("regions.csv"))


@cache
def industries() -> tuple[Industry, ...]:
    """The 20 industry sections A–T, in code order."""
    return tuple(Industry(**row) for row in _rows("industries.csv"))


@cache
def _regions_by_code() -> dict[str, Region]:
    return {r.code: r for r in regions()}


@cache
def _industries_by_code() -> dict[str, Industry]:
    return {i.code: i for i in industries()}


def region(code: str) -> Region:
    """The province with this GB/T 2260 code; ``KeyError`` if there is none."""
    return _regions_by_code()[code]


def industry(code: str) -> Industry:
    """The industry section with this code (``"C"``); ``KeyError`` if there is none."""
    return _industries_by_code()[code]


def sales_regions() -> tuple[str, ...]:
    """The sales regions (Chinese names) in the order they first appear: 华北, 东北, 华东, …"""
    return tuple(dict.fromkeys(r.sales_region_zh for r in regions()))


def provinces_in(sales_region_zh: str) -> tuple[Region, ...]:
    """The provinces of one sales region (by its Chinese name, "华东")."""
    return tuple(r for r in regions() if r.sales_region_zh == sales_region_zh)


def region_choices() -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a form or filter, in the active language."""
    return [(r.code, r.label) for r in regions()]


def industry_choices() -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in industries()]
