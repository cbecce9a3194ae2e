"""Real concurrency for the PostgreSQL race tests: threads released together by a barrier."""

from __future__ import annotations

import threading

from django.db import connection


def race(calls) -> list:
    """Run each ``call()`` in its own thread, all released at once; return what each
    returned or raised, in order (each thread closes its own database connection)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
