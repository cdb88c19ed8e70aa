"""Part `poll_lookup` (#29): a poller's "did the webhook bring this completion already?" at N stored webhook events.

Loads N (1,000,000) Docebo webhook events on one source, a year of them, each with its body and its
completion key, written by the database itself (bench/dashboard.py's INSERT … SELECT, indexes built
once by bench/bulk_load.py). Then times, as a median of several runs, the look-up of a polled
completion three ways: whose webhook is the newest event, whose webhook never came, and whose webhook
came 5,000 events ago. Each is timed with the stored key (`DoceboPoller.known_otherwise`, one indexed
question) and with the scan it replaced (the newest 2,000 webhook bodies since the completion, read and
compared in Python), copied here as it was; the scan's answer is recorded too, since past 2,000
newer webhooks it no longer finds the copy.
"""

import statistics
import time
from datetime import datetime, timedelta, timezone

from .figures import load_average
from .stack import Stack

RUNS = 7
USERS, COURSES = 50_000, 20
SPACING = 31  # seconds between two stored webhooks: a million is a year
SCAN_LOOKBACK = 2000  # what the replaced scan read at most
CASES = {"newest": 0, "absent": None, "older": 5000}  # the stored webhook (its n) each case's completion has, if any


def _load(source, count: int, now: datetime) -> dict:
    from django.db import connection, transaction

    from bench.bulk_load import bulk_loading
    from bench.dashboard import Dialect, insert_select
    from issuance.models import CompletionEvent

    sql = Dialect(connection.vendor, now)
    with_clause, numbers = sql.numbers(count)
    if sql.sqlite:
        completed = f"strftime('%Y-%m-%d %H:%M:%S', {now.timestamp()!r} - (n * {SPACING} + 5), 'unixepoch')"
        blob = "CAST({} AS BLOB)"
    else:
        completed = (f"to_char(('{now.isoformat()}'::timestamptz - (n * {SPACING} + 5) * interval '1 second') AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD HH24:MI:SS')")
        blob = "convert_to({}, 'UTF8')"
    user, course = f"(n % {USERS})", f"(200 + n % {COURSES})"
    body = ("'{\"event\": \"course.enrollment.completed\", \"message_id\": \"bench-wh-' || n || '\", \"payload\": {\"user_id\": ' || "
            f"{user} || ', \"course_id\": ' || {course} || ', \"completion_date\": \"' || {completed} || "
            "'\", \"status\": \"completed\"}}'")
    timings = {}
    with transaction.atomic(), bulk_loading([CompletionEvent], timings):
        started = time.perf_counter()
        timings["rows"] = insert_select(CompletionEvent, {
            "id": sql.uuid(), "source_id": str(source.pk), "external_id": "'bench-wh-' || n", "channel": "'webhook'",
            "received_at": sql.ago(f"n * {SPACING}"), "headers": sql.json("{}"), "body": blob.format(body),
            "completion_key": f"'docebo:' || {user} || ':' || {course} || ':' || {completed}",
            "status": "'processed'", "errors": sql.json("[]"), "processed_at": sql.ago(f"n * {SPACING}"),
            "discarded_reason": "''", "ignored_reason": "''", "park_reason": "''", "corrections": sql.json("{}"),
            "failures": "0", "enrichment_attempts": "0", "learner_label": "''",
        }, f"FROM {numbers}", with_clause)
        timings["insert"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def _scan(*, source, completion) -> bool:
    """The look-up as it was before the key (docebo_poll.py): the newest 2,000 webhook bodies since the completion."""
    from issuance.models import CompletionEvent
    from issuance.sources.base import json_parse
    from issuance.sources.docebo_poll import _moment

    wanted = json_parse(completion.body)["payload"]
    key = (str(wanted["user_id"]), str(wanted["course_id"]), str(wanted["completion_date"]))
    completed = _moment(wanted["completion_date"], "UTC")
    since = (completed or datetime.now(timezone.utc) - timedelta(days=30)) - timedelta(days=1)
    bodies = CompletionEvent.objects.filter(source=source, channel=CompletionEvent.Channel.WEBHOOK, received_at__gte=since) \
        .order_by("-received_at").values_list("body", flat=True)[:SCAN_LOOKBACK]
    for body in bodies:
        try:
            payload = json_parse(bytes(body)).get("payload") or {}
        except (ValueError, AttributeError):
            continue
        if (str(payload.get("user_id")), str(payload.get("course_id")), str(payload.get("completion_date"))) == key:
            return True
    return False


def _timed(action) -> tuple[float, object]:
    """(median milliseconds, the answer) over RUNS runs."""
    times, answer = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2), answer


def _plan(*, source, completion, poller) -> tuple[str, float | None]:
    """The key look-up's plan as the database chose it at this size (the index it used), and on PostgreSQL the
    server's own execution time (EXPLAIN ANALYZE), apart from the round trip."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as asked:
        poller.known_otherwise(source=source, completion=completion)
    sql = asked.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return " / ".join(str(row[-1]) for row in cursor.fetchall()), None
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    nodes, found = [plan["Plan"]], []
    while nodes:
        node = nodes.pop()
        found.append(f"{node['Node Type']}" + (f" on {node['Index Name']}" if node.get("Index Name") else ""))
        nodes.extend(node.get("Plans", []))
    return " / ".join(found), round(plan["Execution Time"], 3)


def measure_poll_lookup(*, stack: Stack, count: int, log=print) -> dict:
    from django.utils import timezone as django_timezone

    from issuance.models import Source
    from issuance.sources.configure import source_configure
    from issuance.sources.docebo import DOCEBO_TIME
    from issuance.sources.docebo_poll import DoceboPoller

    now = django_timezone.now().replace(microsecond=0)
    organization = Source.objects.get(slug="demo").organization
    source, _ = source_configure(organization_slug=organization.slug, slug="bench-docebo", dialect="docebo",
                                 secret="bench-docebo-password", settings={}, mappings={})
    started = time.monotonic()
    timings = _load(source, count, now)
    log(f"  poll_lookup: {timings['rows']} webhook events stored in {time.monotonic() - started:.0f} s")
    poller, load_start = DoceboPoller(), load_average()
    figures = {"poll_lookup_events": timings["rows"], "poll_lookup_load_s": round(time.monotonic() - started, 1)}
    for case, n in CASES.items():
        n = count + 1 if n is None else n  # the one after the oldest: stored by no webhook
        completed = (now - timedelta(seconds=n * SPACING + 5)).astimezone(timezone.utc).strftime(DOCEBO_TIME)
        item = {"user_id": n % USERS if n < count else USERS + 1, "course_id": 200 + n % COURSES, "course_name": "Bench",
                "enrollment_completion_date": completed}
        completion = poller._completion("https://bench.example", str(item["course_id"]), item, completed)
        figures[f"poll_lookup_{case}_key_ms"], found = _timed(lambda: poller.known_otherwise(source=source, completion=completion))
        figures[f"poll_lookup_{case}_scan_ms"], scanned = _timed(lambda: _scan(source=source, completion=completion))
        figures[f"poll_lookup_{case}_found"] = {"key": found, "scan": scanned}
        figures[f"poll_lookup_{case}_key_plan"], figures[f"poll_lookup_{case}_key_server_ms"] = \
            _plan(source=source, completion=completion, poller=poller)
        log(f"  poll_lookup {case}: key {figures[f'poll_lookup_{case}_key_ms']} ms ({found}; "
            f"{figures[f'poll_lookup_{case}_key_plan']}, server {figures[f'poll_lookup_{case}_key_server_ms']} ms), "
            f"scan {figures[f'poll_lookup_{case}_scan_ms']} ms ({scanned})")
    figures["load_poll_lookup"] = [load_start, load_average()]
    return figures
