"""Drop the stop grams (``services.search.STOP_GRAMS``) from the stored ``search_grams`` of
customers and contacts, so existing rows hold what the services now write and the GIN
indexes lose over a third of their entries.

PostgreSQL only (SQLite keeps no grams). Old rows held a superset of the new grams, which
searches still found correctly; this makes them equal. Batches of ids, each in its own
transaction (the migration is not atomic; 33 s for 95,000 customers and their contacts on
the 2-core bench machine), then each table is vacuumed and its GIN index rebuilt
concurrently to give back the space of the old row versions and the dropped entries. The set is frozen here, not
imported, so the migration keeps meaning what it meant when written.
"""

from django.db import migrations, transaction

STOP_GRAMS = sorted(
    set("aceghijlnosuxyz")
    | {"有", "限", "公", "司", "有限", "限公", "公司"}
    | {"ng", "an", "in", "en", "on", "ou", "ia", "ua"}
)
TABLES = [("customers_customer", "cust_search_grams_gin"), ("customers_contact", "contact_search_grams_gin")]
BATCH = 20_000
DROP_SQL = """UPDATE {table} SET search_grams = ARRAY(
                  SELECT g FROM unnest(search_grams) WITH ORDINALITY AS u(g, i)
                  WHERE g <> ALL(%s::text[]) ORDER BY i)
              WHERE id >= %s AND id < %s AND search_grams && %s::text[]"""


def drop_stop_grams(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    for table, index in TABLES:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(id), max(id) FROM {table}")
            low, high = cursor.fetchone()
        if low is None:
            continue
        for start in range(low, high + 1, BATCH):
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(DROP_SQL.format(table=table), [STOP_GRAMS, start, start + BATCH, STOP_GRAMS])
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")  # the old row versions
            cursor.execute(f"REINDEX INDEX CONCURRENTLY {index}")


def add_stop_grams(apps, schema_editor):
    """Back: a stop gram (no space in it) is a gram of a row iff ``search_text`` holds it."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    for table, _index in TABLES:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET search_grams = ARRAY(
                        SELECT g FROM unnest(search_grams || ARRAY(
                            SELECT s FROM unnest(%s::text[]) s WHERE strpos(search_text, s) > 0)) g
                        GROUP BY g ORDER BY g COLLATE "C")
                    WHERE search_grams IS NOT NULL""",
                [STOP_GRAMS],
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0007_drop_redundant_indexes")]

    operations = [migrations.RunPython(drop_stop_grams, add_stop_grams, elidable=True)]
