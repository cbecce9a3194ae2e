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
    header = {"date": dt.date.today().isoformat(), "machine": machine(), "database": connection.vendor}
    print(json.dumps(header, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps({**header, "results": results}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
