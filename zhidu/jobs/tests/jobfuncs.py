"""Job functions for the tests (module level, as tasks require)."""

from __future__ import annotations

CALLS: list[dict] = []


def count_job(*, slot):
    CALLS.append({"job": "count", "slot": slot})
    return 7


def dict_job():
    CALLS.append({"job": "dict"})
    return {"rows": 3, "file": "/media/x.csv"}


def failing_job():
    CALLS.append({"job": "fail"})
    raise RuntimeError("the pool table is locked")
