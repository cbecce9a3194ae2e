"""Customer search at scale: substring, pinyin and initials on ``search_text``, narrowed by
the GIN-indexed gram array on PostgreSQL (DESIGN: search).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhidu_bench python bench/run.py customer_search --size 1000000
    DATABASE_URL=sqlite:///var/bench.sqlite3 python bench/run.py customer_search --size 100000

Seeds ``--size`` customers once (COPY on PostgreSQL, ``bulk_create`` on SQLite) with
realistic company names (city + two-character core + trade + legal form) whose derived
columns are computed by the same code the services use, then times what the list page
and the API do for a query: the first page of 25 (newest first) plus the capped count, as
an administrator (no scope predicate) and as a rep (own customers only). Each figure is
the median of 5 runs after one warm-up run.
"""

from __future__ import annotations

import random
import statistics
import time

from bench._names import SEARCH_CITIES as CITIES
from bench._names import SEARCH_CORE as POOL
from bench._names import SEARCH_FORMS as FORMS
from bench._names import SEARCH_TRADES as TRADES

QUERIES = [
    "华为",
    "科技",
    "重庆",
    "重慶",
    "hwjs",
    "chongqing",
    "cq",
    "华",
    "华为技术",
    "不存在的名字",
    "公司",
    "v",
    "ang",
]


def _names(n: int, seed: int = 4):
    """(name, search_text) pairs. The search text is composed from the pinyin of the parts
    (each computed once by the services' own ``pinyin_of``), which is what
    ``search_text_for`` gives for these names and keeps seeding a million rows to minutes."""
    from zhidu.customers.services.search import pinyin_of

    rnd = random.Random(seed)
    for _ in range(n):
        city, a, b, trade, form = (
            rnd.choice(CITIES),
            rnd.choice(POOL),
            rnd.choice(POOL),
            rnd.choice(TRADES),
            rnd.choice(FORMS),
        )
        parts = [pinyin_of(x) for x in (city, a + b, trade)]
        full = "".join(p[0] for p in parts)
        initials = "".join(p[1] for p in parts)
        name = f"{city}{a}{b}{trade}{form}"
        if form == "商贸行":  # not a legal suffix: its pinyin stays in
            f, i = pinyin_of(form)
            full, initials = full + f, initials + i
        yield name, f"{name} {full} {initials}"


def _seed(n: int) -> float:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from zhidu.customers.models import Customer
    from zhidu.customers.normalize import normalize_name
    from zhidu.customers.services.search import grams_for, search_text_for
    from zhidu.org.models import OrgUnit, User

    have = Customer.objects.count()
    if have >= n:
        return 0.0
    unit, _ = OrgUnit.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    reps = [User.objects.get_or_create(username=f"bench_rep{i}")[0] for i in range(50)]
    rep_ids = [u.pk for u in reps]
    t0 = time.perf_counter()
    now = timezone.now()
    pg = connection.vendor == "postgresql"
    rows = []
    fixed = ["华为技术有限公司", "重庆长安汽车股份有限公司"]
    todo = n - have
    gen = _names(todo)
    for i in range(todo):
        if i < len(fixed):
            name, text = fixed[i], search_text_for(fixed[i])
        else:
            name, text = next(gen)
        rows.append(
            (
                now - dt.timedelta(seconds=i),
                name,
                text[:1000],
                grams_for(text) if pg else None,
                normalize_name(name)[:200],
                rep_ids[i % len(rep_ids)],
                unit.pk,
            )
        )
    cols = [
        "created_at",
        "updated_at",
        "name",
        "search_text",
        "search_grams",
        "name_normalized",
        "owner_id",
        "owner_unit_id",
        "credit_code",
        "kind",
        "industry",
        "province",
        "city",
        "size",
        "address",
        "website",
        "source",
        "tier",
        "status",
        "notes",
        "extension_count",
    ]
    tail = ("", "company", "", "", "", "", "", "", "", "C", "prospect", "", 0)
    if pg:
        copy_sql = f"COPY customers_customer ({', '.join(cols)}) FROM STDIN"
        with transaction.atomic(), connection.cursor() as cur, cur.cursor.copy(copy_sql) as copy:
            for created, name, text, grams, key, owner, unit_id in rows:
                copy.write_row((created, created, name, text, grams, key, owner, unit_id, *tail))
        with connection.cursor() as cur:
            cur.execute("ANALYZE customers_customer")
    else:
        objs = [
            Customer(
                created_at=created,
                updated_at=created,
                name=name,
                search_text=text,
                name_normalized=key,
                owner_id=owner,
                owner_unit_id=unit_id,
            )
            for created, name, text, grams, key, owner, unit_id in rows
        ]
        with transaction.atomic():
            Customer.objects.bulk_create(objs, batch_size=2000)
        # auto_now_add overwrote created_at; spread it again so "newest first" means something.
        with connection.cursor() as cur:
            cur.execute("UPDATE customers_customer SET created_at = datetime(created_at, '-' || id || ' seconds')")
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def _time(fn, runs: int = 5) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def run(args) -> list[dict]:
    from django.db import connection

    from zhidu.core.pagination import paginate
    from zhidu.customers.models import Customer
    from zhidu.customers.services.search import search_filter

    pg = connection.vendor == "postgresql"
    size = args.size or (1_000_000 if pg else 100_000)
    seeded = _seed(size)
    total = Customer.objects.count()
    target = 100 if pg else 300  # ms for a page, what a person waits for without noticing much
    out = [
        {
            "name": f"seed {total} customers ({connection.vendor})",
            "value": round(seeded, 1),
            "unit": "s",
            "notes": "0 = already seeded" if not seeded else "derived columns computed in Python",
        }
    ]
    rep_id = Customer.objects.order_by("pk").values_list("owner_id", flat=True).first()
    for q in QUERIES:
        base = Customer.objects.filter(deleted_at__isnull=True).order_by("-created_at", "-id")
        admin_ms = _time(lambda q=q, base=base: paginate(search_filter(base, q, wide=True), 1, 25))
        hits = search_filter(base, q, wide=True)[:10001].count()
        rep_qs = base.filter(owner_id=rep_id)
        rep_ms = _time(lambda q=q, rep_qs=rep_qs: paginate(search_filter(rep_qs, q), 1, 25))
        out.append(
            {
                "name": f"search {q!r}: page + capped count, admin",
                "value": round(admin_ms, 1),
                "unit": "ms",
                "target": target,
                "notes": f"{hits if hits <= 10000 else '>10000'} matches",
            }
        )
        out.append(
            {
                "name": f"search {q!r}: page + count, one rep's scope",
                "value": round(rep_ms, 1),
                "unit": "ms",
                "target": target,
            }
        )
    return out
