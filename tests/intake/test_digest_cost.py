"""The staff digest's cost does not grow with an organisation's history (#28: it once joined five
relations in one query, so its cost grew with their product and it outran the task timeout)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from issuance.intake.digests import staff_digests_send
from issuance.models import StaffDigest
from tests.housekeeping_world import attention_add, history_add, housekeeping_world


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
