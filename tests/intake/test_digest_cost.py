"""The staff digest's cost does not grow with an organisation's history (#28: it once joined five
relations in one query, so its cost grew with their product and it outran the task timeout)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issuance.intake.digests import staff_digests_send
from issuance.models import CompletionEvent, Issuance, OutboundDelivery, OutboxMessage, StaffDigest
from tests.housekeeping_world import attention_add, history_add, housekeeping_world

HISTORY_TABLES = ("issuance_issuance", "issuance_completionevent", "issuance_outboxmessage", "issuance_outbounddelivery",
                  "issuance_credential")


def _laurel_queries(queries) -> list[str]:
    """The digest's own statements: not the periodic lease (the embedded profile's cache table) nor the
    statement budget (PostgreSQL's statement_timeout)."""
    return [query["sql"] for query in queries.captured_queries
            if not any(word in query["sql"] for word in ("laurel_cache", "SAVEPOINT", "statement_timeout"))]


def _joins(sql: str) -> int:
    return len(re.findall(r"\bJOIN\b", sql))


def test_it_asks_each_question_with_its_own_query_joining_at_most_one_table(db):
    world = housekeeping_world()
    history_add(world, 5)
    attention_add(world, 2)
    with CaptureQueriesContext(connection) as queries:
        assert staff_digests_send() == 1
    widest = max(queries.captured_queries, key=lambda query: _joins(query["sql"]))
    assert _joins(widest["sql"]) <= 1, widest["sql"]


def test_its_query_count_is_the_same_with_ten_times_the_history(db):
    counts = []
    for history in (10, 100):
        world = housekeeping_world()
        history_add(world, history)
        attention_add(world, 3)
        with CaptureQueriesContext(connection) as queries:
            assert staff_digests_send() == 1
        StaffDigest.objects.all().delete()
        counts.append(len(_laurel_queries(queries)))
    assert counts[0] == counts[1], counts


def test_nothing_left_to_announce_costs_a_handful_of_queries_whatever_the_history(db):
    world = housekeeping_world()
    history_add(world, 50)
    attention_add(world, 3)
    assert staff_digests_send() == 1
    with CaptureQueriesContext(connection) as queries:
        assert staff_digests_send() == 0
    assert len(_laurel_queries(queries)) <= 7, _laurel_queries(queries)  # one per kind of news, connections the seventh


def test_a_failed_email_is_matched_to_a_parked_issuance_by_key_not_by_reading_every_parked_one(db):
    """A regression guard on the plan: as `NOT IN (the parked issuances)` PostgreSQL read every parked issuance
    of the history for the failed emails (a hashed SubPlan; 1.8 s of the first run at a million issuances)."""
    world = housekeeping_world()
    history_add(world, 5)
    attention_add(world, 2)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert staff_digests_send() == 1
    listed = [sql for sql in _laurel_queries(queries)
              if sql.startswith("SELECT") and '"issuance_outboxmessage"' in sql.split("WHERE")[0] and "issuance_issuance" in sql]
    assert len(listed) == 2, listed  # the count and the list
    for sql in listed:
        with connection.cursor() as cursor:
            cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql)
            plan = [row[-1] if connection.vendor == "sqlite" else row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            issuance_reads = [step for step in plan if re.search(r"\b(issuance_issuance|U\d)\b", step)]
            assert issuance_reads and all("(id=?)" in step for step in issuance_reads), plan
        else:
            assert not any("SubPlan" in line for line in plan) and any("Anti Join" in line for line in plan), plan


def _announced_add(world, n: int) -> None:
    """n of each thing a digest has already announced: what a year of digests leaves behind (at a million
    issuances, 20,000 parked issuances the digest's statements read on PostgreSQL through the state index)."""
    attention_add(world, n)
    now = timezone.now()
    CompletionEvent.objects.filter(status=CompletionEvent.Status.PARKED).update(staff_notified_at=now)
    Issuance.objects.filter(state=Issuance.State.PARKED).update(staff_notified_at=now)
    OutboundDelivery.objects.filter(status=OutboundDelivery.Status.FAILED).update(staff_notified_at=now)
    OutboxMessage.objects.filter(failure_recorded_at__isnull=False).update(staff_notified_at=now)


def _history_reads(sql: str) -> list[str]:
    """SQLite's plan steps that read a history table neither through an index holding only what waits (a
    partial one) nor by key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        partial = {name for name, definition in cursor.fetchall() if " WHERE " in (definition or "")}
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        steps = [row[-1] for row in cursor.fetchall()]
    aliases = {alias: table for table, alias in re.findall(r'"(\w+)" (U\d+)', sql)}
    wrong = []
    for step in steps:
        read = re.match(r"(?:SCAN|SEARCH) (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", step)
        if read and aliases.get(read[1], read[1]) in HISTORY_TABLES and read[2] not in partial \
                and not re.search(r"\((id|rowid)=\?\)", step):
            wrong.append(step)
    return wrong


def test_it_reads_only_what_waits_never_what_earlier_digests_announced(db):
    """A regression guard on the plans: each question reads an index that holds only the rows not yet announced
    (partial), or a row by its key. With full indexes PostgreSQL read every parked issuance ever announced
    through the state index at a million issuances (a bitmap scan of 20,000 rows and 715 pages for a digest with
    none to list), and SQLite here takes the status and state indexes. Checked on SQLite, whose plans at a test's
    size are those of a million rows once analysed; PostgreSQL's at a million are in docs/performance.md."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans tables of a test's size with other indexes than at a million rows")
    world = housekeeping_world()
    history_add(world, 50)
    _announced_add(world, 10)
    attention_add(world, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert staff_digests_send() == 1
    # The digest's questions: what has not been announced yet (counted, listed, marked).
    statements = [sql for sql in _laurel_queries(queries) if sql.lstrip().upper().startswith(("SELECT", "UPDATE"))
                  and '"staff_notified_at" IS NULL' in sql]
    assert len(statements) >= 15, statements
    wrong = {sql: reads for sql in statements if (reads := _history_reads(sql))}
    assert not wrong, wrong
