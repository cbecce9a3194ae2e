from __future__ import annotations

import pytest

from zhidu.jobs import registry


@pytest.fixture
def job_registry(monkeypatch):
    """An empty job registry: each test declares the jobs it schedules."""
    monkeypatch.setattr(registry, "_jobs", {})
    monkeypatch.setattr(registry, "_discovered", True)
    return registry


@pytest.fixture
def no_policy_store(monkeypatch):
    """Behave as if zhidu.policies.services did not exist yet."""
    from zhidu.jobs import policies

    monkeypatch.setattr(policies, "_policy_resolver", lambda: None)


@pytest.fixture
def policy_store(monkeypatch):
    """Stand in for ``policy_resolve``: ``policy_store(fn)`` with ``fn(kind, unit=None, on=None)``."""
    from zhidu.jobs import policies

    def install(resolve):
        monkeypatch.setattr(policies, "_policy_resolver", lambda: resolve)

    return install


def drain_db_tasks(worker_id: str = "test-worker") -> int:
    """Run every ready task of the database backend in this process, the way db_worker
    does (claim, run, record), without its connection handling."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    n = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker_id)
        worker.run_task(result)
        n += 1
    return n
