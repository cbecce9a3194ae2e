"""The PostgreSQL path of a customer import (DESIGN: bulk import), as a pipeline in one
transaction: worker processes prepare the rows (clean, pinyin, COPY lines) chunk by chunk
and run ahead (``Pool.imap`` queues every chunk at once), while the main process finds the
duplicates within the file as the chunks arrive in file order (a row sharing a credit
code, normalised name, phone or e-mail with an earlier row is left out) and, every
``SQL_CHUNK_ROWS`` rows, ``COPY``-s the good rows into a temporary staging table and runs
that chunk's SQL: duplicates against existing customers (one index probe per row and key
on ``credit_code``, ``name_normalized`` and the contacts' phone/e-mail columns), the
holding cap with the running count in file order, ``INSERT … SELECT`` of the customers,
their first contacts and the audit child rows with their foreign keys checked at once,
and the merge of the GIN pending lists — so the PostgreSQL backend works while the
workers prepare the next chunks. A failure in any chunk rolls the whole import back.
The verdicts equal the Python path's (``imports._dedupe_in_file``,
``imports._customer_matches``); tests run both on the same file, also with chunks of two
rows (``tests/test_import_chunks.py``).

Raw SQL here is a measured hot path: 100,000 rows with the ORM's ``bulk_create`` and
per-batch lookups take several times as long.
"""

from __future__ import annotations

import json
import queue
import threading
import time

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.core.context import client_ip_var, current_request_id
from zhidu.org.permissions import main_unit

from ..choices import CustomerStatus
from ..models import Contact, Customer
from ..normalize import normalize_email
from ..policies import policy_for
from ..policies.customers import protected_until_on_receipt
from .import_rows import REASON_CAP, REASON_CONFLICT, REASON_EXISTING, REASON_IN_FILE, derive_person

STAGING_COLUMNS = [
    ("rownum", "integer"),
    ("name", "text"),
    ("name_normalized", "text"),
    ("search_text", "text"),
    ("search_grams", "text[]"),
    ("credit_code", "text"),
    ("kind", "text"),
    ("industry", "text"),
    ("province", "text"),
    ("city", "text"),
    ("size", "text"),
    ("address", "text"),
    ("website", "text"),
    ("source", "text"),
    ("tier", "text"),
    ("status", "text"),
    ("notes", "text"),
    ("contact_name", "text"),
    ("contact_title", "text"),
    ("contact_phone", "text"),
    ("contact_phone_n", "text"),
    ("contact_phone2", "text"),
    ("contact_phone2_n", "text"),
    ("contact_email", "text"),
    ("contact_email_n", "text"),
    ("contact_wechat", "text"),
    ("contact_search_text", "text"),
    ("contact_search_grams", "text[]"),
    # duplicate keys as the Python path computes them ("" = none)
    ("k_code", "text"),
    ("k_name", "text"),
    ("k_phone1", "text"),
    ("k_phone2", "text"),
    ("k_email", "text"),
]
EXTRA_COLUMNS = "match_id bigint, match_key text, reason text"


# COPY's text format: backslash, tab, newline and carriage return are escaped; a row's
# fields are joined with NUL first (PostgreSQL text cannot hold NUL, so reading drops it),
# the whole line is escaped at once (rarely needed) and the NULs become tabs.


def _array(values: list[str]) -> str:
    # Grams are runs of word characters (``search._PUNCT`` removed the rest): no quoting needed.
    return "{" + ",".join(values) + "}"


def staging_lines(rows):
    """One COPY text line per cleaned row."""
    for r in rows:
        if not r.ok:
            continue
        d = r.data
        keys = r.keys
        phones = keys.get("phone", ())
        cname = d["contact_name"]
        cst, cgrams = derive_person(cname) if cname else ("", [])
        fields = (
            str(r.number),
            d["name"],
            d["name_normalized"],
            d["search_text"],
            _array(d["search_grams"]),
            d["credit_code"],
            d["kind"],
            d["industry"],
            d["province"],
            d["city"],
            d["size"],
            d["address"],
            d["website"],
            d["source"],
            d["tier"],
            d["status"],
            d["notes"],
            cname,
            d["contact_title"],
            d["contact_phone"],
            d["contact_phone_n"],
            d["contact_phone2"],
            d["contact_phone2_n"],
            d["contact_email"],
            normalize_email(d["contact_email"])[:200] if d["contact_email"] else "",
            d["contact_wechat"],
            cst,
            _array(cgrams),
            (keys.get("credit_code") or ("",))[0],
            (keys.get("name") or ("",))[0],
            phones[0] if phones else "",
            phones[1] if len(phones) > 1 else "",
            (keys.get("email") or ("",))[0],
        )
        line = "\x00".join(fields)
        if "\\" in line or "\t" in line or "\n" in line or "\r" in line:
            line = line.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        yield line.replace("\x00", "\t") + "\n"


def _existing(cursor, owner_id: int) -> None:
    """The strongest match among existing customers (credit code, name, a contact's phone,
    e-mail; the lowest id, or the customer of the lowest contact id) for the rows of the
    current chunk in ``stg``, and its verdict (duplicate of the owner's own customer, or a
    conflict).

    One index probe per row and key (correlated subqueries, tried in order of strength and
    stopped at the first hit), so a chunk costs what its rows cost: joins would scan the
    whole customer and contact tables once per chunk.

    Customers this import created in earlier chunks are not existing customers (the
    Python path excludes them too). Only the e-mail can match one: the credit code,
    normalised name and phones are stored exactly as the duplicate keys, and a row sharing
    a key with a row an earlier chunk inserted is a duplicate within the file and never
    staged; the stored ``email_normalized`` is cut to 200 characters, which the key is not
    (NFKC can lengthen an address), so one key could equal another row's stored prefix."""
    phone = """(SELECT (array_agg(x.customer_id ORDER BY x.id))[1] FROM (
                   SELECT id, customer_id FROM customers_contact WHERE phone_normalized = s.{col}
                   UNION ALL SELECT id, customer_id FROM customers_contact
                   WHERE phone2_normalized = s.{col} AND phone2_normalized <> '') x
                WHERE s.{col} <> '')"""
    cursor.execute("TRUNCATE stg_match")
    # Index probes even where the statistics make an index look useless: a generic
    # ``phone2_normalized = $1`` is estimated from the most common value, '' in most rows.
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute(
        f"""INSERT INTO stg_match (rownum, match_id, match_key)
            SELECT rownum, m[1]::bigint, m[2] FROM (
              SELECT s.rownum, COALESCE(
                (SELECT ARRAY[min(c.id + 0)::text, 'credit_code'] FROM customers_customer c
                 WHERE s.k_code <> '' AND c.credit_code = s.k_code AND c.credit_code <> '' HAVING count(*) > 0),
                (SELECT ARRAY[min(c.id + 0)::text, 'name'] FROM customers_customer c
                 WHERE s.k_name <> '' AND c.name_normalized = s.k_name HAVING count(*) > 0),
                (SELECT ARRAY[p::text, 'phone'] FROM (SELECT {phone.format(col="k_phone1")} AS p) q WHERE p IS NOT NULL),
                (SELECT ARRAY[p::text, 'phone'] FROM (SELECT {phone.format(col="k_phone2")} AS p) q WHERE p IS NOT NULL),
                (SELECT ARRAY[(array_agg(c.customer_id ORDER BY c.id))[1]::text, 'email'] FROM customers_contact c
                 WHERE s.k_email <> '' AND c.email_normalized = s.k_email AND c.email_normalized <> ''
                 AND c.customer_id NOT IN (SELECT cid FROM stg_created) HAVING count(*) > 0)
              ) AS m FROM stg s WHERE s.reason IS NULL OFFSET 0) y
            WHERE m[1] IS NOT NULL"""
    )
    cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
    cursor.execute(
        f"""UPDATE stg s SET match_id = m.match_id, match_key = m.match_key,
                reason = CASE WHEN c.owner_id = %s AND c.deleted_at IS NULL
                              THEN '{REASON_EXISTING}' ELSE '{REASON_CONFLICT}' END
            FROM stg_match m JOIN customers_customer c ON c.id = m.match_id WHERE s.rownum = m.rownum""",
        [owner_id],
    )


# --- preparing rows in worker processes ------------------------------------------------------
#
# Cleaning a row and computing its search columns (pinyin) is pure Python and takes most of
# an import's time; the rows are independent, so on a machine with more than one core they
# are prepared in forked worker processes, chunk by chunk, while the main process streams
# the finished chunks into COPY (PostgreSQL parses them on its own core meanwhile). The
# workers only compute: they never touch the database connection they inherit, and they
# leave with ``os._exit`` (multiprocessing's own), so nothing of it is closed or reused.

_WORK: dict = {}
CHUNK_ROWS = 5000  # rows a worker prepares at a time
# Rows of the file checked and inserted at a time (whole worker chunks). 100,000 rows on two
# cores: 13.7 s with 20,000, 14.4 s with 10,000 (more statements, each planned anew). The
# first chunk is one worker chunk, so the SQL starts as soon as the first rows are ready.
SQL_CHUNK_ROWS = 20_000
MERGE_EACH_CHUNK = True  # merge the GIN pending lists after each chunk (else once at the end)
# Merge them on a connection of its own, in a thread, while the import's connection goes on
# with the next chunk (else on the import's connection, between chunks).
MERGE_IN_BACKGROUND = True


def workers_for(rows: int) -> int:
    """How many processes prepare the rows: ``ZHIDU_IMPORT_WORKERS`` (default: the CPU
    count, at most 4); one for small files or where ``fork`` does not exist."""
    import multiprocessing
    import os

    if rows < 2 * CHUNK_ROWS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = int(os.environ.get("ZHIDU_IMPORT_WORKERS", "0") or 0) or min(4, os.cpu_count() or 1)
    return max(1, wanted)


def prepare_chunk(
    bounds: tuple[int, int],
) -> tuple[list[tuple[int, str, str, tuple[tuple[str, str], ...]]], list[str], dict[str, float]]:
    """Clean rows ``[start, end)`` of the table in ``_WORK``: (verdict and duplicate keys
    per row, COPY line of each good row, seconds spent)."""
    from .import_checks import _clean

    start, end = bounds
    table, mapping = _WORK["table"], _WORK["mapping"]
    timings: dict[str, float] = {}
    rows = _clean("customers", table, mapping, timings=timings, start=start, stop=end)
    t = time.perf_counter()
    lines = list(staging_lines(rows))
    timings["stage"] = time.perf_counter() - t
    verdicts = [
        (r.number, r.reason, r.message, tuple((k, v) for k, values in r.keys.items() for v in values)) for r in rows
    ]
    return verdicts, lines, timings


def _prepared(table, mapping, workers: int):
    """Chunks in file order, prepared in ``workers`` processes (or here)."""
    n = len(table.rows)
    bounds = [(i, min(n, i + CHUNK_ROWS)) for i in range(0, n, CHUNK_ROWS)]
    _WORK.update(table=table, mapping=mapping)
    try:
        if workers <= 1:
            for b in bounds:
                yield prepare_chunk(b)
            return
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(prepare_chunk, bounds)
    finally:
        _WORK.clear()


def _merge_gin_pending_lists(cursor, tables: list[str]) -> None:
    """Merge the pending entries of the tables' GIN indexes now, so searches right after
    the import do not scan a long pending list."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid::regclass::text = ANY(%s)",
        [tables],
    )
    for (index,) in cursor.fetchall():
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


class _BackgroundMerge:
    """Merges the GIN pending lists of ``tables`` on a database connection of its own, in a
    thread, each time :meth:`request` is called, while the import's connection goes on with
    the next chunk: the merge is a third of the import's SQL, and the backend that runs the
    import's statements is the critical path, while the other core idles once the workers
    are done.

    The pending list holds index entries, not row versions: moving them into the index needs
    no sight of the import's uncommitted rows, and if the import rolls back, its entries
    point at dead rows as any index entry of an aborted insert does (vacuum removes them).
    An error here fails the import at its next chunk, or at the end."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="import-gin-merge", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while self._requests.get():
                t = time.perf_counter()
                with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                    _merge_gin_pending_lists(cursor, self.tables)
                self.seconds += time.perf_counter() - t
        except BaseException as exc:  # re-raised in the import's thread
            self.error = exc
        finally:
            connections.close_all()  # this thread's own connection

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def request(self) -> None:
        self.check()
        self._requests.put(True)

    def stop(self) -> None:
        """Wait for the merges asked for so far (on failure too: the thread must not outlive
        the import)."""
        self._requests.put(False)
        self._thread.join()


def customers_copy_import(ctx, *, workers: int | None = None) -> dict:
    """Import the rows of ``ctx.table`` (``ctx.job.mapping``) for ``ctx.owner``: clean,
    COPY, check, insert, chunk by chunk while the workers prepare the next rows. Fills
    ``ctx.rows`` with every row's verdict and ``ctx.created``; returns the time of each step
    (seconds; ``clean``/``pinyin``/``stage`` summed over the worker processes, the SQL steps
    summed over the chunks)."""
    from .import_checks import _cap_state, cap_message, in_file_message, match_message, matches_by_id
    from .import_rows import CleanRow

    timings: dict[str, float] = {"clean": 0.0, "pinyin": 0.0, "stage": 0.0}
    steps = ("copy", "dedupe", "insert_customers", "insert_contacts", "insert_audit", "merge_search_index")
    timings.update(dict.fromkeys(steps, 0.0))
    owner = ctx.owner
    actor = ctx.actor
    unit = main_unit(owner)
    protection = policy_for("protection", unit=unit)
    holding = policy_for("holding", unit=unit)
    until = protected_until_on_receipt(timezone.localdate(ctx.now), protection.value)
    workers = workers or workers_for(len(ctx.table.rows))
    timings["workers"] = workers
    rows: list[CleanRow] = []
    rejected: list = []  # (row number, reason, matched customer id, matched key)
    created = 0
    now = ctx.now
    audit_params = [
        now,
        actor.pk,
        json.dumps({"import": ctx.job.pk}),
        current_request_id() or "",
        client_ip_var.get(),
        ctx.parent.pk if ctx.parent else None,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        t_all = time.perf_counter()
        # Sorting and hashing staging rows in memory; GIN entries of the new rows go to the
        # indexes' pending lists and are merged in one pass per chunk (see MERGE_EACH_CHUNK).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")
        # Each chunk's statements are planned anew: compiling them (JIT, 0.1-0.2 s a
        # statement at these row estimates) would cost more than running them.
        cursor.execute("SET LOCAL jit = off")
        # The staging tables in memory rather than spilled from the default 8 MB of temp
        # buffers. PostgreSQL refuses the change once the session has used a temporary
        # table (a worker's earlier import): then the default stays.
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '256MB'")
        except DatabaseError:
            pass
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED (Django): checked at commit, one
        # check per row and key after all the work. Checked at the end of each INSERT
        # instead, so they overlap the preparation of the next rows; deferred again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cols = ", ".join(f"{n} {typ}" for n, typ in STAGING_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE stg ({cols}, {EXTRA_COLUMNS}) ON COMMIT DROP")
        cursor.execute("CREATE TEMP TABLE stg_ids (rownum integer, cid bigint) ON COMMIT DROP")
        cursor.execute("CREATE TEMP TABLE stg_created (cid bigint PRIMARY KEY) ON COMMIT DROP")
        cursor.execute("CREATE TEMP TABLE stg_match (rownum integer, match_id bigint, match_key text) ON COMMIT DROP")
        names = ", ".join(n for n, _t in STAGING_COLUMNS)
        raw = cursor.cursor  # psycopg's cursor: COPY … FROM STDIN
        # The cap counts the owner's customers before the import (the owner's row locked
        # from here to the commit); each chunk takes the places the earlier ones left.
        cap, held, _policy = _cap_state(owner)
        places = max(0, cap - held) if cap is not None else 0
        counts_sql = "TRUE" if holding.value.count_active else f"status <> '{CustomerStatus.ACTIVE}'"

        gin_tables = [Customer._meta.db_table, Contact._meta.db_table]
        merger: _BackgroundMerge | None = None

        def run_chunk(lines: list[str]) -> None:
            """COPY one chunk's good rows into ``stg`` and check and insert them."""
            nonlocal created, places, merger
            t = time.perf_counter()
            cursor.execute("TRUNCATE stg, stg_ids")
            with raw.copy(f"COPY stg ({names}) FROM STDIN") as copy:
                copy.write("".join(lines))
            # Statistics for the planner on the key and verdict columns (not the wide ones).
            cursor.execute("ANALYZE stg (rownum, k_code, k_name, k_phone1, k_phone2, k_email, reason, match_id)")
            timings["copy"] += time.perf_counter() - t

            t = time.perf_counter()
            _existing(cursor, owner.pk)
            timings["dedupe"] += time.perf_counter() - t

            t = time.perf_counter()
            if cap is not None:
                # The running count in file order: this chunk's rows come after every row
                # of the earlier chunks.
                cursor.execute(
                    f"""UPDATE stg SET reason = '{REASON_CAP}' WHERE rownum IN (
                           SELECT rownum FROM (SELECT rownum, row_number() OVER (ORDER BY rownum) AS n
                                               FROM stg WHERE reason IS NULL AND {counts_sql}) x
                           WHERE n > %s)""",
                    [places],
                )
                cursor.execute(f"SELECT count(*) FROM stg WHERE reason IS NULL AND {counts_sql}")
                places -= cursor.fetchone()[0]
            # Ids for the new customers in a narrow table (updating the wide staging rows
            # would rewrite all of them); contacts and audit rows join on it.
            cursor.execute(
                """INSERT INTO stg_ids SELECT rownum, nextval(pg_get_serial_sequence('customers_customer', 'id'))
                   FROM stg WHERE reason IS NULL ORDER BY rownum"""
            )
            cursor.execute("INSERT INTO stg_created SELECT cid FROM stg_ids")
            cursor.execute(
                f"""INSERT INTO {Customer._meta.db_table} (
                       id, name, name_normalized, search_text, search_grams, credit_code, kind, industry, province,
                       city, size, address, website, source, tier, status, notes, owner_id, owner_unit_id,
                       created_by_id, credit_to_id, received_at, protected_until, extension_count, created_at,
                       updated_at)
                    SELECT cid, name, name_normalized, search_text, search_grams, credit_code, kind, industry,
                       province, city, size, address, website, source, tier, status, notes, %s, %s,
                       %s, %s, %s, %s, 0, %s, %s
                    FROM stg JOIN stg_ids USING (rownum) ORDER BY rownum""",
                [owner.pk, unit.pk if unit else None, actor.pk, owner.pk, now, until, now, now],
            )
            created += cursor.rowcount
            timings["insert_customers"] += time.perf_counter() - t

            t = time.perf_counter()
            cursor.execute(
                f"""INSERT INTO {Contact._meta.db_table} (
                       customer_id, name, search_text, search_grams, title, department, decision_role, is_primary,
                       phone, phone_normalized, phone2, phone2_normalized, email, email_normalized, wechat, notes,
                       is_active, created_by_id, created_at, updated_at)
                    SELECT cid, contact_name, contact_search_text, contact_search_grams, contact_title, '', '', TRUE,
                       contact_phone, contact_phone_n, contact_phone2, contact_phone2_n, contact_email,
                       contact_email_n, contact_wechat, '', TRUE, %s, %s, %s
                    FROM stg JOIN stg_ids USING (rownum) WHERE contact_name <> '' ORDER BY rownum""",
                [actor.pk, now, now],
            )
            timings["insert_contacts"] += time.perf_counter() - t

            t = time.perf_counter()
            cursor.execute(
                """INSERT INTO audit_auditevent (at, actor_id, action, object_type, object_id, object_repr, changes,
                       reason, request_id, ip, parent_id)
                   SELECT %s, %s, 'customer.import', 'customers.customer', cid::text, left(name, 200), %s::jsonb,
                       '', %s, %s, %s
                   FROM stg JOIN stg_ids USING (rownum) ORDER BY rownum""",
                audit_params,
            )
            timings["insert_audit"] += time.perf_counter() - t

            cursor.execute("SELECT rownum, reason, match_id, match_key FROM stg WHERE reason IS NOT NULL")
            rejected.extend(cursor.fetchall())
            if MERGE_EACH_CHUNK:
                t = time.perf_counter()
                if MERGE_IN_BACKGROUND:
                    if merger is None:
                        # Started once the worker processes exist: they are forked without it.
                        merger = _BackgroundMerge(gin_tables)
                    merger.request()
                else:
                    _merge_gin_pending_lists(cursor, gin_tables)
                timings["merge_search_index"] += time.perf_counter() - t

        # Duplicates within the file are found here, in file order, as the prepared chunks
        # arrive: a row sharing a key with an earlier good row is a duplicate of the
        # earliest such row (on equal rows the key checked first wins: credit code, name,
        # phone, e-mail), as in ``import_checks._dedupe_in_file``; it never reaches the
        # staging table. So a row of a later chunk never shares a key with a row an earlier
        # chunk inserted, and the check against existing customers only ever sees rows of
        # the file that were not there before it (``stg_created`` makes that explicit).
        first: dict[tuple[str, str], int] = {}
        in_file = waited = 0.0
        pending: list[str] = []
        pending_rows = chunks = 0
        prepared = _prepared(ctx.table, ctx.job.mapping, workers)
        try:
            while True:
                t = time.perf_counter()
                item = next(prepared, None)
                waited += time.perf_counter() - t
                if item is None:
                    break
                verdicts, lines, spent = item
                t_in = time.perf_counter()
                good = iter(lines)
                for number, reason, message, keys in verdicts:
                    row = CleanRow(number=number, reason=reason, message=message)
                    rows.append(row)
                    if reason:
                        continue
                    line = next(good)
                    best: tuple[int, str] | None = None
                    for key in keys:
                        n = first.setdefault(key, number)
                        if n < number and (best is None or n < best[0]):
                            best = (n, key[0])
                    if best is None:
                        pending.append(line)
                    else:
                        row.reason, row.message = REASON_IN_FILE, in_file_message(best[0], best[1])
                in_file += time.perf_counter() - t_in
                for key, value in spent.items():
                    timings[key] = timings.get(key, 0.0) + value
                pending_rows += len(verdicts)
                if pending_rows >= (SQL_CHUNK_ROWS if chunks else CHUNK_ROWS):
                    if pending:
                        run_chunk(pending)
                        chunks += 1
                    pending, pending_rows = [], 0
            if pending:
                run_chunk(pending)
                chunks += 1
        finally:
            prepared.close()  # a failed chunk: the worker processes end here, not at garbage collection
            if merger is not None:
                t = time.perf_counter()
                merger.stop()
                timings["merge_search_index"] += time.perf_counter() - t
                timings["merge_in_background"] = merger.seconds
        if merger is not None:
            merger.check()
        timings["dedupe_in_file"] = in_file
        timings["waiting_for_workers"] = waited
        timings["chunks"] = chunks
        if not MERGE_EACH_CHUNK:
            t = time.perf_counter()
            _merge_gin_pending_lists(cursor, gin_tables)
            timings["merge_search_index"] = time.perf_counter() - t
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        timings["prepare_copy_check_insert"] = time.perf_counter() - t_all
        ctx.rows = rows
        by_number = {r.number: r for r in rows}
    t = time.perf_counter()
    found = matches_by_id({m for _n, _r, m, _mk in rejected if m})
    cap_text = cap_message(owner, cap, _policy) if cap is not None else ""
    for number, reason, match_id, match_key in rejected:
        r = by_number[number]
        r.reason = reason
        if reason in (REASON_EXISTING, REASON_CONFLICT):
            m = found[match_id]
            m.matched_on = [match_key]
            r.reason, r.message = match_message(m, owner)
        elif reason == REASON_CAP:
            r.message = cap_text
        else:  # pragma: no cover - every reason set above has a message
            r.message = _("Rejected.")
    ctx.created = created
    timings["messages"] = time.perf_counter() - t
    return timings
