"""Fixtures shared by every app's tests: the org of the three-persona style (owner,
teammate, outsider — Healthchecks) grown into a small company, and the audit triggers
that transactional tests must lift before Django flushes the tables."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    names = set(request.fixturenames)
    return bool(
        names & {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
    )


def _uses_db(request) -> bool:
    return bool(request.node.get_closest_marker("django_db")) or bool(
        set(request.fixturenames) & {"db", "transactional_db", "live_server", "org", "django_user_model"}
    )


@pytest.fixture(autouse=True)
def audit_triggers(request):
    if not _uses_db(request):
        yield
        return
    transactional = _is_transactional(request)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from zhidu.audit import triggers

    triggers.install()
    yield
    if transactional:
        triggers.remove()


@pytest.fixture
def org(db):
    """A company with two regions and three teams:

    company (general manager ``gm``, director ``director``)
      ├─ east (regional manager ``rm_east``)
      │    ├─ team_a (manager ``tm_a``; reps ``rep_a1``, ``rep_a2``; assistant ``asst_a``)
      │    └─ team_b (manager ``tm_b``; rep ``rep_b1``)
      └─ west (regional manager ``rm_west``)
           └─ team_c (manager ``tm_c``; rep ``rep_c1``)
    plus ``finance`` at the company and ``admin`` (superuser).
    """
    from zhidu.org.tests.factories import build_org

    return SimpleNamespace(**build_org())


def pytest_configure(config):
    from django.conf import settings

    # PBKDF2's real work factor makes every fixture user cost ~0.1 s; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
