"""The benchmark harness: ``make bench`` or ``python bench/run.py [name ...]``.

Each ``bench/bench_<name>.py`` defines ``run(args) -> list[dict]``; every dict is one
measurement (``name``, ``value``, ``unit``, ``target`` optional, ``notes``). Benchmarks set
up their own data (in a database named by ``DATABASE_URL``; PostgreSQL for the figures we
publish) and print a table; the figures, with machine and date, are copied into
``docs/benchmarks.md`` by hand after a run. Speed is measured here, never in timed tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{platform.machine()} {cpus} cores{mem}, Python {platform.python_version()}"


def _loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def calibration() -> dict:
    """How fast this machine is today, in two fixed workloads (median of 3, seconds): a
    pure-Python loop, and a CPU-bound statement in the database. The machines sessions get
    differ (the same import code took 13.9 s on 2026-11-26 and about 25 s on 2026-12-07),
    and one machine's speed drifts within minutes (the loop took 0.26 to 0.46 s within half
    an hour), so a figure is read next to these, taken before and after it."""
    import statistics
    import time

    from django.db import connection

    def median(fn) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return round(statistics.median(times), 3)

    out = {"python_loop_s": median(lambda: _loop(3_000_000))}
    if connection.vendor == "postgresql":

        def pg() -> None:
            with connection.cursor() as c:
                c.execute("SELECT sum(length(md5(i::text))) FROM generate_series(1, 1000000) i")
                c.fetchone()

        out["postgresql_s"] = median(pg)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--size", type=int, default=None, help="row count override for benchmarks that take one")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs for benchmarks that repeat (median kept)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhidu.settings")
    import django

    django.setup()
    from django.db import connection

    before = calibration()  # the machine's speed varies by the minute: measured on both sides
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
    results = []
    for f in files:
        spec = importlib.util.spec_from_file_location(f.stem, f)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(f"== {f.stem} on {connection.vendor}", flush=True)
        for r in mod.run(args):
            r.setdefault("bench", f.stem)
            results.append(r)
            target = f" (target {r['target']})" if r.get("target") else ""
            print(f"   {r['name']}: {r['value']} {r.get('unit', '')}{target} {r.get('notes', '')}", flush=True)
    header = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "database": connection.vendor,
        "calibration": {"before": before, "after": calibration()},
    }
    print(json.dumps(header, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps({**header, "results": results}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
