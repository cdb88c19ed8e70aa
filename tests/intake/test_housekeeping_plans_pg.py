"""A PostgreSQL plan guard for the per-minute housekeeping questions (#28): at a size where reading a table whole
would show, each question reads the index made for it: the digest's partial "not yet announced" indexes
(migration 0058, and the outbox's) and a poller's completion-key look-up (event_completion_key_idx, 0059).

The SQLite twin is tests/intake/test_digest_cost.py; PostgreSQL's plans need statistics from enough rows,
so the history here is a few thousand completions, analysed, with a year of announced items in it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issuance.intake.digests import staff_digests_send
from issuance.models import CompletionEvent
from issuance.sources.polling import webhook_copy_known
from tests.housekeeping_world import attention_add, history_add, housekeeping_world
from tests.intake.test_digest_cost import _announced_add, _laurel_queries

pytestmark = pytest.mark.django_db

# The table a digest question is about, and the index it must read that table through.
INTENDED = {
    "issuance_completionevent": "event_unannounced_idx",
    "issuance_issuance": "issuance_unannounced_idx",
    "issuance_outbounddelivery": "outbound_unannounced_idx",
    "issuance_outboxmessage": "outbox_unannounced_idx",
}
ANALYSED = ("issuance_completionevent", "issuance_issuance", "issuance_outbounddelivery", "issuance_outboxmessage",
            "issuance_credential", "issuance_learner")


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return [row[0] for row in cursor.fetchall()]


def _reads(plan: list[str]) -> list[tuple[str, str]]:
    """(table, how) for each read of a table in the plan: the index's name, or "Seq Scan"."""
    reads = []
    for line in plan:
        if found := re.search(r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: Backward)?(?: using (\w+))? on (\w+)", line):
            reads.append((found[3], found[2] or found[1]))
        elif found := re.search(r"Bitmap Index Scan on (\w+)", line):
            reads.append(("(bitmap)", found[1]))
    return reads


def _analysed() -> None:
    with connection.cursor() as cursor:
        for table in ANALYSED:
            # Marking rows announced leaves their entries in the partial indexes until a VACUUM, which autovacuum
            # runs in production and a test's transaction cannot: the indexes are rebuilt instead, then analysed.
            cursor.execute(f"REINDEX TABLE {table}")
            cursor.execute(f"ANALYZE {table}")


def _subject(sql: str) -> str:
    """The table a digest statement asks about: the one it selects from or updates."""
    found = re.match(r'\s*(?:SELECT .*? FROM|UPDATE) "(\w+)"', sql, re.S)
    return found[1] if found else ""


# The finding of this guard, not fixed yet: PostgreSQL 15 reads these three through the plain status / state index
# (a bitmap scan of every parked or failed row ever announced, filtered), not their partial index. It estimates
# "parked" and "not announced" as independent facts (280 rows of 3,909 here, where 3 match), and both paths then
# cost the same to within 2 %; extended statistics (mcv) on the two columns correct the row count but not the
# partial index's own estimate. The day one is fixed this fails, and it leaves this set (docs/performance.md).
PREFERS_THE_STATUS_INDEX = {"issuance_completionevent", "issuance_issuance", "issuance_outbounddelivery"}


@pytest.mark.slow
@pytest.mark.production_profile
def test_each_digest_question_reads_its_partial_index_not_the_table(db):
    if connection.vendor != "postgresql": pytest.skip("PostgreSQL's plans; SQLite's are guarded in test_digest_cost.py")
    world = housekeeping_world()
    history_add(world, 3000)
    _announced_add(world, 300)  # a year of digests: parked and failed rows announced long ago
    attention_add(world, 3)
    _analysed()

    with CaptureQueriesContext(connection) as queries:
        assert staff_digests_send() == 1

    questions = [sql for sql in _laurel_queries(queries) if '"staff_notified_at" IS NULL' in sql and _subject(sql) in INTENDED]
    wrong = {}
    for sql in questions:
        plan, table = _plan(sql), _subject(sql)
        reads = [how for read_table, how in _reads(plan) if read_table in (table, "(bitmap)")]
        if INTENDED[table] not in reads or "Seq Scan" in reads:
            wrong.setdefault(table, []).append(f"{sql}\n" + "\n".join(plan))
    assert {_subject(sql) for sql in questions} == set(INTENDED), questions  # each counted, listed and marked
    assert "issuance_outboxmessage" not in wrong, "\n\n".join(wrong["issuance_outboxmessage"])
    assert set(wrong) == PREFERS_THE_STATUS_INDEX, "\n\n".join(plan for table in set(wrong) ^ PREFERS_THE_STATUS_INDEX
                                                                 for plan in wrong.get(table, [table]))


@pytest.mark.production_profile
def test_a_pollers_completion_key_look_up_reads_the_key_index(db):
    if connection.vendor != "postgresql": pytest.skip("PostgreSQL's plans; SQLite's are guarded in test_completion_keys.py")
    source = housekeeping_world().source
    CompletionEvent.objects.bulk_create(
        CompletionEvent(source=source, external_id=f"wh-{n}", body=b"{}", completion_key=f"docebo:{n}:211:2026-11-14 10:01:59")
        for n in range(4000))
    CompletionEvent.objects.bulk_create(  # events of senders that name no key (most of a table)
        CompletionEvent(source=source, external_id=f"plain-{n}", body=b"{}") for n in range(4000))
    _analysed()

    with CaptureQueriesContext(connection) as asked:
        assert webhook_copy_known(source=source, completion_key="docebo:1234:211:2026-11-14 10:01:59") is True
    [query] = asked.captured_queries

    plan = _plan(query["sql"])
    reads = [how for table, how in _reads(plan) if table in ("issuance_completionevent", "(bitmap)")]
    assert "event_completion_key_idx" in reads and "Seq Scan" not in reads, plan
