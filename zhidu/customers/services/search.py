"""Search on customer and contact names: substring, full pinyin and initials, polyphones
by phrase (重庆 = chongqing), traditional characters matching simplified.

DESIGN (search): ``search_text`` = normalised name + full pinyin + initials, computed on
write; queries use ``contains``. On PostgreSQL ``search_grams`` (the 1- and 2-character
grams of ``search_text``, GIN-indexed) narrow the candidates first (``@>``) and the
``contains`` rechecks. Pinyin is computed once per name after stripping legal suffixes
(so 有限公司 does not bloat every row), memoised per process.

Stop grams (``STOP_GRAMS``) are neither stored nor asked of the index: the commonest
single letters of pinyin, the grams of 有限公司 and the pinyin bigrams of the commonest
finals (``ng``, ``an``, …). Each is in at least 30 % of all rows, so as a filter it
narrows little, while together they made up over a third of every row's index entries
(the cost of writing a row). Correctness: a row matching ``q`` contains ``q`` inside one
token of its ``search_text``, so every gram of ``q`` is a gram of that row; dropping the
same stop grams on both sides keeps the query's grams a subset of the row's, and the
``contains`` recheck still decides. A query made only of stop grams (``a``, ``公司``,
``ang``) is not narrowed by the index: a ``contains`` scan, which for such common text
fills its page and reaches the count's cap early.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db import connections
from django.db.models import QuerySet
from pypinyin import Style, lazy_pinyin

from ..normalize import normalize_text, strip_legal_suffix

_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=200_000)
def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a normalised text. Han runs go through pypinyin's phrase
    dictionary (so polyphones follow the word: 重庆 chongqing, 银行 yinhang); other runs
    (Latin letters, digits) are kept whole in both forms."""
    full: list[str] = []
    initials: list[str] = []
    for part in _HAN.split(text):
        if not part:
            continue
        if _HAN.fullmatch(part):
            syllables = lazy_pinyin(part, style=Style.NORMAL, errors="ignore")
            full.extend(syllables)
            initials.extend(s[:1] for s in syllables if s)
        else:
            kept = _PUNCT.sub("", part)
            full.append(kept)
            initials.append(kept)
    return "".join(full), "".join(initials)


def search_text_for(*names: str) -> str:
    """The ``search_text`` of a record named ``names`` (a customer has one name; a lead
    has a company and a contact name). Tokens are separated by one space."""
    tokens: list[str] = []
    for name in names:
        text = _PUNCT.sub("", normalize_text(name))
        if not text:
            continue
        core = strip_legal_suffix(text)
        full, initials = pinyin_of(core)
        for token in (text, full, initials):
            if token and token not in tokens:
                tokens.append(token)
    return " ".join(tokens)


# Never indexed, never asked of the index (see the module's docstring): the grams found in
# at least 30 % of company names (measured on the import benchmark's 100,000 names, whose
# pinyin is that of ordinary company-name characters). Rarer grams stay indexed, so a
# one-character query for them (``v``, ``任``, ``8``) is still answered by the index and no
# query scans the table for rare text; a query of stop grams only matches so many rows
# that the contains scan fills its page and its capped count early.
STOP_LETTERS = frozenset("aceghijlnosuxyz")
STOP_SUFFIX_GRAMS = frozenset(["有", "限", "公", "司", "有限", "限公", "公司"])  # of 有限公司
PINYIN_STOP_BIGRAMS = frozenset(["ng", "an", "in", "en", "on", "ou", "ia", "ua"])  # parts of finals
STOP_GRAMS = STOP_LETTERS | STOP_SUFFIX_GRAMS | PINYIN_STOP_BIGRAMS


def grams_for(search_text: str) -> list[str]:
    """Distinct 1- and 2-character grams of every token of ``search_text``, without the
    stop grams."""
    grams: set[str] = set()
    for token in search_text.split(" "):
        grams.update(token)
        grams.update(token[i : i + 2] for i in range(len(token) - 1))
    return sorted(grams - STOP_GRAMS)


def normalize_query(query: str | None) -> str:
    """A query as it is compared with ``search_text``: like a name, without punctuation."""
    return _PUNCT.sub("", normalize_text(query or ""))


# Letters by how often they occur in pinyin, most common first (rough, from 常用字): a
# gram of two common letters ("ng", "an") is in a large share of all rows.
_PINYIN_LETTERS = "nigahueozsxyjdlcqbmtwfkpr"
_LETTER_RANK = {ch: len(_PINYIN_LETTERS) - i for i, ch in enumerate(_PINYIN_LETTERS)}
MAX_LATIN_GRAMS = 3


def _commonness(gram: str) -> int:
    return sum(_LETTER_RANK.get(ch, 0) for ch in gram)


def query_grams(q: str) -> list[str]:
    """Grams a row must contain to possibly match ``q``. A Chinese gram is selective, so
    all are used; for a Latin query (pinyin, initials) only the rarest few — asking the
    GIN index for "ng" and "on" as well costs more than the ``contains`` recheck saves
    (``chongqing`` at 1M rows: 790 ms with all seven grams, 330 ms with three). Stop
    grams are never asked for: empty when ``q`` is made of them only."""
    if len(q) == 1:
        return [] if q in STOP_GRAMS else [q]
    grams = {q[i : i + 2] for i in range(len(q) - 1)} - STOP_GRAMS
    if _HAN.search(q) or len(grams) <= MAX_LATIN_GRAMS:
        return sorted(grams)
    return sorted(sorted(grams, key=lambda g: (_commonness(g), g))[:MAX_LATIN_GRAMS])


def search_filter(qs: QuerySet, query: str | None, *, prefix: str = "", wide: bool = False) -> QuerySet:
    """Narrow ``qs`` to rows whose name matches ``query`` (substring, pinyin or initials).
    ``prefix`` names a relation when searching a related model's text (``"customer__"``).
    ``wide``: the queryset is not narrowed by an indexed scope (the user sees everything);
    on SQLite the search then reads the covering index on ``search_text`` instead of the
    table — for a rep's own customers the owner index is the better way in."""
    q = normalize_query(query)
    if not q:
        return qs
    if wide and not prefix and connections[qs.db].vendor == "sqlite":
        # SQLite: scan the narrow covering index on search_text (migration 0004) in a
        # subquery instead of the wide table — half the time at 100,000 rows.
        ids = qs.model._base_manager.using(qs.db).filter(search_text__contains=q).values("pk")
        return qs.filter(pk__in=ids)
    grams = query_grams(q)
    if not grams:
        # Only stop grams: an empty ``@>`` would make the GIN index read all its entries.
        return qs.filter(**{f"{prefix}search_text__contains": q})
    return qs.filter(
        **{
            f"{prefix}search_grams__has_grams": grams,
            f"{prefix}search_text__contains": q,
        }
    )


def search_fields(*names: str) -> dict:
    """The derived fields to store on write: ``search_text`` and ``search_grams``."""
    text = search_text_for(*names)
    return {"search_text": text[:1000], "search_grams": grams_for(text)}
