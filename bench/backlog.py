"""Part `backlog` (issue 35): the dashboard's backlog query, and queuing and taking one turn, at N waiting turns.

The turns table holds only what waits (ADR 0013), so N = 1,000,000 is a million completions, emails
and deliveries waiting at once: 70 % one organisation's, the rest spread over 49 others. Times are
the median of several runs, with the load average beside them.
"""

import statistics
import time

from .figures import load_average
from .stack import Stack

RUNS = 7


def _fill(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from issuance.models import WaitingTurn

    table = WaitingTurn._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s)
            INSERT INTO {table} (kind, ref, organization_id, round, not_before, created_at)
            SELECT CASE n %% 4 WHEN 0 THEN 'event' WHEN 1 THEN 'issuance' WHEN 2 THEN 'email' ELSE 'delivery' END,
                   'bench-' || n, CASE WHEN n %% 10 < 7 THEN 1 ELSE 2 + n %% 49 END, n / 50, NULL, %s
            FROM s""", [count - 1, now])
        cursor.execute("ANALYZE")


def _median_ms(action) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def measure_backlog(*, stack: Stack, count: int, log=print) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from issuance.reports import backlog_by_organization
    from issuance.step_queue import Kind, turn_push, turn_take

    started = time.monotonic()
    _fill(count)
    log(f"  backlog: {count} waiting turns written in {time.monotonic() - started:.0f} s")
    load_start = load_average()
    organizations = list(range(1, 51))
    query_ms = _median_ms(lambda: backlog_by_organization(organizations=organizations, now=timezone.now()))
    pushed = iter(range(RUNS))

    def push():
        with transaction.atomic():
            turn_push(kind=Kind.EVENT, ref=f"timed-{next(pushed)}", organization_id=60)

    push_ms = _median_ms(push)
    take_ms = _median_ms(lambda: turn_take(kind=Kind.EVENT))
    return {
        "backlog_rows": count,
        "backlog_query_ms": query_ms,
        "backlog_turn_push_ms": push_ms,
        "backlog_turn_take_ms": take_ms,
        "load_backlog": [load_start, load_average()],
    }
