"""Install or remove the append-only triggers (used by the migration and by tests that
must flush the database between runs)."""

from django.db import connection

from .migrations import __name__ as _pkg  # noqa: F401  (keeps the module import explicit)


def _module():
    import importlib

    return importlib.import_module("zhidu.audit.migrations.0002_append_only_triggers")


def install(conn=connection) -> None:
    m = _module()
    stmts = m.PG_CREATE if conn.vendor == "postgresql" else m.SQLITE_CREATE
    with conn.cursor() as cur:
        for sql in stmts:
            cur.execute(sql)


def remove(conn=connection) -> None:
    m = _module()
    stmts = m.PG_DROP if conn.vendor == "postgresql" else m.SQLITE_DROP
    with conn.cursor() as cur:
        for sql in stmts:
            cur.execute(sql)
