"""SQLite only: a covering index on ``search_text`` so a substring search scans the
index (about 60 bytes a row) instead of the table (about 300): 175 → 95 ms at 100,000
customers on the benchmark machine (docs/benchmarks.md). PostgreSQL searches through the
GIN-indexed gram array instead (0001), where this index would only cost writes."""

from django.db import migrations

INDEXES = [
    ("customers_customer", "cust_search_text_sqlite"),
    ("customers_contact", "contact_search_text_sqlite"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, name in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (search_text)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_request")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
