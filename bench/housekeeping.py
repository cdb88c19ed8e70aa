"""`python -m bench --only housekeeping`: every periodic task, and /healthz, at a million rows (#28).

Loads, on the stack's throw-away database and written by the database itself (bench/dashboard.py's
set-based loader, extended): N issuances over a year with their credentials and emails, a processed
completion event per issuance, the outbox topped up to N rows, a CRM connection with a delivery per
issuance (N rows), and what staff must hear about: 400 parked events, 200 failed deliveries and 200
bounced emails not yet announced (the parked issuances already were). Then times each periodic task
of issuance/schedules.py as its schedule runs it (under its periodic budget), with the statements it
made and the load average beside each:

- the digest: the first run announces what waits; "again" is the next minute's run (nothing new);
- retention: switched on, it empties a year of bodies older than 30 days in runs of about a second,
  each queuing the next (what a deployment pays once); the longest run, how many, and the next day's run;
- polling: a Canvas course of 1,000 learners on the REST stand-in, first poll and next poll.
"""

import os
import statistics
import time
from datetime import timedelta

from .figures import load_average

BODY = b'{"event": "course_completed", "learner": {"email": "bench@learners.example"}, "course": {"id": "FA-101"}}'
ANNOUNCE = 200  # failed deliveries and bounced emails not yet announced
PARTS = ("sweeps", "digest", "lifecycle", "retention", "polling", "healthz")
RETENTION_CATCH_UP = 100_000  # bodies a repeated timing gives back to retention (the first one empties the year's)


def load_housekeeping(total: int, now, log=print) -> dict:
    """The dashboard's year of history (issuances, credentials, emails), then events, more emails, deliveries."""
    from django.db import connection, transaction

    from bench.bulk_load import bulk_loading
    from bench.dashboard import Dialect, insert_select, load
    from issuance.models import CompletionEvent, Connection, Credential, Issuance, OutboundDelivery, OutboxMessage, Source

    sql = Dialect(connection.vendor, now)
    issuance_table = connection.ops.quote_name(Issuance._meta.db_table)
    # One transaction; the secondary indexes of the five big tables are built once, after the rows.
    indexing = {}
    started_all = time.perf_counter()
    with transaction.atomic(), bulk_loading([Issuance, Credential, OutboxMessage, CompletionEvent, OutboundDelivery], indexing), \
            connection.cursor() as cursor:
        timings = load(total, now)
        source = Source.objects.filter(slug="demo").first() or Source.objects.first()
        organization_id = source.organization_id
        started = time.perf_counter()
        timings["event_rows"] = insert_select(CompletionEvent, {
            "id": sql.uuid(), "source_id": str(source.pk), "external_id": "'bench-event-' || i.id", "channel": "'webhook'",
            "received_at": "i.created_at", "headers": sql.json("{}"), "body": sql.blob(BODY),
            "status": "'processed'",
            "errors": sql.json("[]"), "processed_at": "i.created_at", "discarded_reason": "''", "ignored_reason": "''",
            "park_reason": "''", "corrections": sql.json("{}"), "failures": "0", "enrichment_attempts": "0",
            "completion_key": "''",
            "learner_label": "i.learner_name",
        }, f"FROM {issuance_table} i")
        timings["events"] = time.perf_counter() - started

        started = time.perf_counter()
        missing = total - OutboxMessage.objects.count()
        timings["extra_email_rows"] = insert_select(OutboxMessage, {
            "organization_id": str(organization_id), "issuance_id": "i.id", "kind": "'still_needed'",
            "idempotency_key": "'bench-still-needed:' || i.id", "recipient": "'bench@learners.example'", "recipient_name": "''",
            "from_email": "'Bench <certs@bench.example>'", "reply_to": "''", "subject": "'What you still need'",
            "text_body": "'Hello'", "html_body": "''", "headers": sql.json("{}"), "attachments": sql.json("[]"),
            "status": "'sent'", "attempts": "1", "last_error": "''", "provider_message_id": "''",
            "possible_duplicate": "FALSE", "created_at": sql.later("i.created_at", "25", "seconds"),
            "sent_at": sql.later("i.created_at", "26", "seconds"), "updated_at": sql.later("i.created_at", "26", "seconds"),
        }, f"FROM {issuance_table} i WHERE i.state <> 'synced' ORDER BY i.created_at DESC LIMIT {max(missing, 0)}")
        # What staff have not heard of yet: the newest emails bounced.
        cursor.execute(f"UPDATE {connection.ops.quote_name(OutboxMessage._meta.db_table)} SET status = 'bounced', "
                       f"failure_recorded_at = sent_at, last_error = '550 no such user' WHERE id IN (SELECT id FROM "
                       f"{connection.ops.quote_name(OutboxMessage._meta.db_table)} ORDER BY created_at DESC LIMIT {ANNOUNCE})")
        timings["extra_emails"] = time.perf_counter() - started

        started = time.perf_counter()
        crm = Connection.objects.create(organization_id=organization_id, kind="hubspot", name="Bench CRM",
                                        settings={"portal_id": "1"})
        timings["delivery_rows"] = insert_select(OutboundDelivery, {
            "organization_id": str(organization_id), "connection_id": str(crm.pk), "issuance_id": "i.id",
            "action": "'credential.issued'", "idempotency_key": "'bench-crm:' || i.id", "payload": sql.json("{}"),
            "status": "CASE WHEN i.state = 'synced' THEN 'done' ELSE 'skipped' END", "attempts": "1",
            "finished_at": sql.later("i.created_at", "30", "seconds"), "outcome_unknown": "FALSE", "remote_id": "''",
            "remote_url": "''", "request_summary": "''", "response_summary": "''", "last_error": "''",
            "created_at": sql.later("i.created_at", "28", "seconds"), "updated_at": sql.later("i.created_at", "30", "seconds"),
        }, f"FROM {issuance_table} i")
        delivery_table = connection.ops.quote_name(OutboundDelivery._meta.db_table)
        cursor.execute(f"UPDATE {delivery_table} SET status = 'failed', last_error = '401 from the CRM' WHERE id IN "
                       f"(SELECT id FROM {delivery_table} ORDER BY created_at DESC LIMIT {ANNOUNCE})")
        timings["deliveries"] = time.perf_counter() - started
        # The parked issuances were announced by the digests of the year gone by.
        cursor.execute(f"UPDATE {issuance_table} SET staff_notified_at = state_changed_at WHERE state = 'parked'")
    timings["indexes"] = indexing.get("indexes", 0.0)
    timings["with_commit"] = time.perf_counter() - started_all
    log(f"housekeeping: loaded {timings['issuance_rows']:,} issuances in {timings['issuances']:.0f} s, "
        f"{timings['credential_rows']:,} credentials in {timings['credentials']:.0f} s, "
        f"{timings['email_rows']:,} emails in {timings['emails']:.0f} s, "
        f"{timings['event_rows']:,} events in {timings['events']:.0f} s, "
        f"{timings['extra_email_rows']:,} more emails in {timings['extra_emails']:.0f} s, "
        f"{timings['delivery_rows']:,} CRM deliveries in {timings['deliveries']:.0f} s, "
        f"{indexing.get('index_count', 0)} indexes built in {timings['indexes']:.0f} s; "
        f"{timings['with_commit']:.0f} s with the commit (load average {load_average()})")
    return timings


def _timed(run, repeat: int = 1) -> dict:
    """Median milliseconds and the statements of one run (the cache's lease statements left out)."""
    from django.db import connection, reset_queries

    samples, statements, result = [], 0, None
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
        statements = sum("laurel_cache" not in query["sql"] for query in connection.queries)
    return {"ms": round(statistics.median(samples), 1), "statements": statements, "result": str(result)[:160],
            "load": load_average()}


def _runs(run, *, limit: int = 500) -> dict:
    """A task that hands over at its time budget, run again and again as its queued next runs would be, until
    it finishes: the longest run (and its statements), how many runs, their total, and the last result."""
    runs = []
    while len(runs) < limit:
        runs.append(_timed(run))
        if "the next run carries on" not in runs[-1]["result"]:
            break
    longest = max(runs, key=lambda figures: figures["ms"])
    return {"ms": longest["ms"], "statements": max(figures["statements"] for figures in runs), "runs": len(runs),
            "total_ms": round(sum(figures["ms"] for figures in runs), 1), "load": longest["load"],
            "result": f"{len(runs)} runs, {sum(figures['ms'] for figures in runs) / 1000:.1f} s in all: {runs[-1]['result']}"}


def _refused_or_done(run) -> str:
    from issuance.lifecycle.tasks import RemindersRefused

    try:
        return run()
    except RemindersRefused as refused:
        return f"refused: {refused}"


def _poll_source(organization):
    from issuance.sources.configure import source_configure
    from stand_ins.lms import CanvasRestServer

    canvas = CanvasRestServer(token="bench-token", page_cap=100).start()
    for n in range(1, 1001):
        canvas.enrol("42", n, email=f"poll{n}@learners.example", name=f"Polled {n}",
                     completed_at="2026-01-05T09:00:00Z" if n % 3 == 0 else None, final_score=91.0)
    course = organization.courses.order_by("code").first()
    source, _ = source_configure(organization_slug=organization.slug, slug="bench-canvas", dialect="canvas", secret=None,
                                 settings={"canvas_url": canvas.url, "api_token": "bench-token"}, mappings={"42": course.code})
    return canvas, source


def housekeeping_time(*, now, log, only: tuple[str, ...] = PARTS) -> dict:
    """Time each periodic task (the `only` parts of PARTS) over the loaded database, as its schedule runs it.

    Separate from the load so that a kept million-row database (BENCH_KEEP=1) can be timed again
    without loading it again (see docs/performance.md); the digest's and retention's parts reset what
    a previous timing announced or emptied, so they can be repeated."""
    from django.db import connection
    from django.test import Client

    from courses.models import Organization
    from issuance.delivery.tasks import outbox_sweep
    from issuance.intake.digests import staff_digests_send
    from issuance.intake.tasks import source_poll_scheduled
    from issuance.lifecycle.tasks import lifecycle_daily
    from issuance.models import CompletionEvent, OutboundDelivery, OutboxMessage, StaffDigest
    from issuance.outbound.tasks import outbound_sweep
    from issuance.privacy.tasks import privacy_daily
    from issuance.tasks import issuance_sweep

    from django.urls import reverse

    reverse("admin:index")  # the URL conf loaded, as the qcluster parent does before it forks (issuance/apps.py)
    organization = Organization.objects.order_by("pk").first()
    tasks = {}
    if "sweeps" in only:
        tasks["sweep: issuances and events"] = _timed(issuance_sweep, repeat=3)
        tasks["outbox sweep"] = _timed(outbox_sweep, repeat=3)
        tasks["outbound sweep"] = _timed(outbound_sweep, repeat=3)
    if "digest" in only:
        StaffDigest.objects.all().delete()  # a timing before this one announced them: announce them again
        for model in (CompletionEvent, OutboundDelivery, OutboxMessage):
            model.objects.filter(staff_notified_at__gte=now - timedelta(days=1)).update(staff_notified_at=None)
        tasks["staff digests, first run (800 to announce)"] = _timed(staff_digests_send)
        StaffDigest.objects.update(sent_at=now - timedelta(hours=1))  # as if the quiet period had passed
        tasks["staff digests, next run (nothing new)"] = _timed(staff_digests_send, repeat=3)
    if "lifecycle" in only:
        # A fresh load has a year of reminders due at once; above the bulk gate the run plans, counts and
        # refuses (as a deployment's first run would): the planning is what grows with the data.
        tasks["lifecycle daily (expiry, reminder planning), longest run"] = _runs(lambda: _refused_or_done(lifecycle_daily))
    if "retention" in only:
        kept = CompletionEvent.objects.exclude(body=b"").count()
        if kept < RETENTION_CATCH_UP:  # emptied by a timing before this one: give the oldest bodies back
            oldest = CompletionEvent.objects.order_by("received_at").values("pk")[:RETENTION_CATCH_UP]
            CompletionEvent.objects.filter(pk__in=oldest).update(body=BODY)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE issuance_completionevent")
        Organization.objects.filter(pk=organization.pk).update(raw_body_retention_days=30)
        # Switching retention on empties a year of bodies once: as scheduled, runs of about a second, each
        # queuing the next; the longest run is what a worker is held for. Then the next day's run.
        tasks["retention switched on: a year of bodies, longest run"] = _runs(privacy_daily)
        tasks["retention, next day"] = _timed(privacy_daily, repeat=3)
    if "polling" in only:
        canvas, source = _poll_source(organization)
        try:
            tasks["polling, first poll (1,000 learners), longest run"] = _runs(lambda: source_poll_scheduled(source.slug))
            from issuance.models import SourcePoll

            SourcePoll.objects.filter(source=source).update(next_poll_after=None, lease_until=None, lease_holder="")
            tasks["polling, next poll, longest run"] = _runs(lambda: source_poll_scheduled(source.slug))
        finally:
            canvas.stop()
    if "healthz" in only:
        client = Client(HTTP_HOST="127.0.0.1")
        tasks["/healthz"] = _timed(lambda: client.get("/healthz").status_code, repeat=5)
    for name, figures in tasks.items():
        log(f"  {name:<56} {figures['ms']:9.1f} ms {figures['statements']:5} statements  load {figures['load']}  {figures['result'][:70]}")
    return tasks


def measure_housekeeping(*, stack, count: int, log) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.DEBUG = True  # count each task's statements
    now = timezone.now()
    started = time.perf_counter()
    log(f"housekeeping: loading {count:,} issuances (load average {load_average()})")
    timings = load_housekeeping(count, now, log=log)
    loaded_s = time.perf_counter() - started
    with connection.cursor() as cursor:  # planner statistics, as a database that has lived a year has them
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    log(f"housekeeping: loaded in {loaded_s:.0f} s; timing each task (load average {load_average()})")
    tasks = housekeeping_time(now=now, log=log)
    return {"housekeeping": {"issuances": count, "vendor": connection.vendor, "loaded_s": round(loaded_s),
                             "load_timings_s": {k: round(v, 1) for k, v in timings.items() if not k.endswith("_rows")},
                             "tasks": tasks},
            "load_housekeeping": load_average()}
