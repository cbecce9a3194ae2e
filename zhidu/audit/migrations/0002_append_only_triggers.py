"""The audit table refuses UPDATE and DELETE on both databases (DESIGN: audit).

SQLite: RAISE(ABORT) triggers. PostgreSQL: a BEFORE UPDATE OR DELETE trigger. Tests that
must flush tables drop and recreate these (see conftest.py: ``audit_triggers``)."""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]
PG_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only') THEN
           CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
           FOR EACH ROW EXECUTE FUNCTION audit_append_only();
         END IF; END $$""",
]
PG_DROP = ["DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent"]


def create(apps, schema_editor):
    stmts = PG_CREATE if schema_editor.connection.vendor == "postgresql" else SQLITE_CREATE
    for sql in stmts:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    stmts = PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in stmts:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
