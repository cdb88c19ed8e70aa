"""Loading a million rows in one transaction: secondary indexes built once at the end, not row by row.

Every INSERT … SELECT of the loaders would otherwise update each table's dozen secondary indexes one
row at a time, in the random order of UUID keys; building an index once over the loaded table is a
sort. Unique indexes stay (the loaders rely on them, and they guard the load); on PostgreSQL the
deferred foreign-key checks, one queued trigger event per row, are skipped for the loading
transaction only (the loaders write keys they have just read from the parent tables).
"""

import time
from contextlib import contextmanager


def _secondary_indexes(cursor, vendor: str, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's non-unique indexes."""
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table])
    else:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s", [table])
    return [(name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")]


@contextmanager
def bulk_loading(models, timings: dict | None = None):
    """Inside the caller's transaction: drop the models' secondary indexes, load, build them again."""
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -1000000")  # a throw-away file: a GB of page cache while loading
            cursor.execute("PRAGMA temp_store = MEMORY")  # the index builds' sorts
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
        dropped = []
        for model in models:
            for name, sql in _secondary_indexes(cursor, connection.vendor, model._meta.db_table):
                cursor.execute(f"DROP INDEX {quote(name)}")
                dropped.append(sql)
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)
        if connection.vendor != "sqlite":
            cursor.execute("SET LOCAL session_replication_role = origin")
    if timings is not None:
        timings["indexes"] = time.perf_counter() - started
        timings["index_count"] = len(dropped)
