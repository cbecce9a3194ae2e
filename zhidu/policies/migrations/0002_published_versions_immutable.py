"""A published (or retired) policy version never changes its content: the database
refuses an UPDATE of its document, date, schema version, number or policy, and refuses
turning it back into a draft, on SQLite and PostgreSQL alike. Status may still move from
published to retired. The services refuse first, with a message a person can act on.

SQLite drops a table's triggers when Django rebuilds the table (most ALTERs): a later
migration that alters ``PolicyVersion`` must run ``create`` from this module again."""

from django.db import migrations

_CHANGED = (
    "NEW.document IS NOT OLD.document OR NEW.effective_from IS NOT OLD.effective_from"
    " OR NEW.schema_version IS NOT OLD.schema_version OR NEW.number IS NOT OLD.number"
    " OR NEW.policy_id IS NOT OLD.policy_id OR NEW.status = 'draft'"
)
_PG_CHANGED = (
    "NEW.document IS DISTINCT FROM OLD.document OR NEW.effective_from IS DISTINCT FROM OLD.effective_from"
    " OR NEW.schema_version IS DISTINCT FROM OLD.schema_version OR NEW.number IS DISTINCT FROM OLD.number"
    " OR NEW.policy_id IS DISTINCT FROM OLD.policy_id OR NEW.status = 'draft'"
)

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS policies_version_immutable BEFORE UPDATE ON policies_policyversion
        WHEN OLD.status <> 'draft' AND ({_CHANGED})
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS policies_version_immutable"]
PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION policies_version_immutable() RETURNS trigger AS $$
        BEGIN
          IF OLD.status <> 'draft' AND ({_PG_CHANGED}) THEN
            RAISE EXCEPTION 'published policy versions are immutable';
          END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion",
    """CREATE TRIGGER policies_version_immutable BEFORE UPDATE ON policies_policyversion
        FOR EACH ROW EXECUTE FUNCTION policies_version_immutable()""",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion",
    "DROP FUNCTION IF EXISTS policies_version_immutable()",
]


def create(apps, schema_editor):
    for sql in PG_CREATE if schema_editor.connection.vendor == "postgresql" else SQLITE_CREATE:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
