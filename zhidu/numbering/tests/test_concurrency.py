"""Eight threads released together each take numbers in their own transactions (some of
them rolled back): the committed numbers are unique and contiguous. On PostgreSQL the
counter row lock queues them; on SQLite the IMMEDIATE transactions and busy timeout do."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from zhidu.numbering import number_next
from zhidu.numbering.models import NumberCounter

ON = dt.date(2026, 11, 5)
THREADS, PER_THREAD = 8, 6


class _Rollback(Exception):
    pass


def _race():
    barrier = threading.Barrier(THREADS)
    committed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for j in range(PER_THREAD):
                try:
                    with transaction.atomic():
                        n = number_next("test_contract", on=ON)
                        time.sleep(0.002)  # hold the counter while "saving the document"
                        if (i + j) % 3 == 0:
                            raise _Rollback
                    with lock:
                        committed.append(n)
                except _Rollback:
                    pass
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    rolled_back = sum(1 for i in range(THREADS) for j in range(PER_THREAD) if (i + j) % 3 == 0)
    assert len(committed) == THREADS * PER_THREAD - rolled_back
    assert len(set(committed)) == len(committed)
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in committed)
    assert seqs == list(range(1, len(committed) + 1))  # contiguous: rollbacks left no gap
    assert NumberCounter.objects.get(rule_key="test_contract", period="202611").value == len(committed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_on_postgresql(doc_types):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _race()


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_on_sqlite_file_database(doc_types):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not connection.settings_dict["NAME"].startswith(":memory:") and "mode=memory" not in str(
        connection.settings_dict["NAME"]
    )
    assert connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE"
    _race()
