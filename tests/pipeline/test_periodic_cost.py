"""A regression guard for every periodic task (#28): its statements, and on SQLite their plans, are the
same with ten times the history. Not a timing: `python -m bench --only housekeeping` gives the times
at a million rows (docs/performance.md); this fails the day a task starts reading the history."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issuance.delivery.tasks import outbox_sweep
from issuance.intake.digests import staff_digests_send
from issuance.lifecycle.tasks import lifecycle_daily
from issuance.models import StaffDigest
from issuance.outbound.tasks import outbound_sweep
from issuance.privacy.tasks import privacy_daily
from issuance.tasks import issuance_sweep
from tests.housekeeping_world import attention_add, history_add, housekeeping_world

HISTORY_TABLES = ("issuance_issuance", "issuance_completionevent", "issuance_outboxmessage", "issuance_outbounddelivery",
                  "issuance_credential")
# Partial indexes that hold only what waits (what the digest has not announced yet, bodies still kept):
# reading one whole is reading the work, not the history.
WAITING_ONLY_INDEXES = ("outbox_unannounced_idx", "event_unannounced_idx", "issuance_unannounced_idx",
                        "outbound_unannounced_idx", "event_body_kept_idx")
TASKS = {
    "sweep": issuance_sweep,
    "outbox sweep": outbox_sweep,
    "outbound sweep": outbound_sweep,
    "staff digests": staff_digests_send,
    "lifecycle daily": lifecycle_daily,
    "privacy daily": privacy_daily,
    "/healthz": lambda: Client().get("/healthz"),
}


def _statements(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries
            if "laurel_cache" not in query["sql"] and "SAVEPOINT" not in query["sql"]]


def _shape(sql: str) -> str:
    """A statement without its values: ids, keys and times differ from run to run, the statement must not."""
    sql = re.sub(r"_django_curs_\d+_sync_\d+", "_django_curs", sql)  # PostgreSQL's server-side cursors are numbered
    return re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", sql)


def _full_scans(sql: str) -> list[str]:
    """SQLite's plan steps that read a whole history table (or a whole index of one)."""
    if connection.vendor != "sqlite" or not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        steps = [row[-1] for row in cursor.fetchall()]
    return [step for step in steps if re.match(rf"SCAN ({'|'.join(HISTORY_TABLES)})\b", step)
            and not any(f"INDEX {index}" in step for index in WAITING_ONLY_INDEXES)]


@pytest.fixture
def world(db):
    world = housekeeping_world()
    world.course.achievement.reminder_days_before = "30"
    world.course.achievement.save()
    world.organization.raw_body_retention_days = 30
    world.organization.save()
    attention_add(world, 2)
    return world


def _settled(world) -> None:
    """Every task run once, so the next run is a steady one; then something new to do, as each run of the
    schedule has: two more of each thing to announce, and the digest's quiet period over."""
    for run in TASKS.values():
        run()
    attention_add(world, 2)
    StaffDigest.objects.update(sent_at=timezone.now() - timedelta(hours=1))


@pytest.mark.parametrize("task", list(TASKS))
def test_a_periodic_task_makes_the_same_statements_with_ten_times_the_history(world, task):
    history_add(world, 10)
    _settled(world)
    small = [_shape(sql) for sql in _statements(TASKS[task])]
    history_add(world, 100)
    _settled(world)
    large = [_shape(sql) for sql in _statements(TASKS[task])]
    assert small == large


@pytest.mark.parametrize("task", list(TASKS))
def test_no_periodic_task_scans_a_history_table(world, task):
    history_add(world, 50)
    attention_add(world, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "SELECT 1")
    scans = {sql: _full_scans(sql) for sql in _statements(TASKS[task])}
    assert not {sql: steps for sql, steps in scans.items() if steps}
