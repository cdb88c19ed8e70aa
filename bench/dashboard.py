"""Benchmark: each admin dashboard query at 1,000,000 issuances (SQLite, or PostgreSQL with DATABASE_URL).

Loads a year of history on a throw-away database with bulk inserts (executemany, no ORM objects):
N issuances spread over 365 days (mostly synced, some ineligible, parked, in progress), a
credential for each synced one (the newest per learner and achievement active, the rest
superseded, a year's validity), a sent credential email for each credential, and parked events.
Then times every query the dashboard makes (issuance/admin/dashboard.py), median of --repeat runs,
and the whole /admin/ page through Django's test client.

    .venv/bin/python bench/dashboard.py [--issuances 1000000] [--repeat 5]
    DATABASE_URL=postgres://…/laurel_bench .venv/bin/python bench/dashboard.py
"""

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone as dt_timezone

from badge_step import django_ready

LEARNERS = 50_000
PARKED_EVENTS = 400
BATCH = 5_000


def converters(model, vendor):
    """Each concrete column's Python value → what the database driver takes, per vendor."""
    from psycopg.types.json import Jsonb

    def convert(field):
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        if kind == "UUIDField":
            return (lambda v: v.hex) if vendor == "sqlite" else (lambda v: v)
        if kind == "DateTimeField":
            if vendor == "sqlite":
                return lambda v: v.astimezone(dt_timezone.utc).replace(tzinfo=None).isoformat(" ")
            return lambda v: v
        if kind == "JSONField":
            return json.dumps if vendor == "sqlite" else Jsonb
        return lambda v: v

    return [(field.attname, field.column, convert(field), field) for field in model._meta.concrete_fields]


def bulk_load(model, rows) -> int:
    """INSERT every row (a dict of attnames; missing columns take the field's default) in batches."""
    from django.db import connection, transaction

    columns = converters(model, connection.vendor)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(column) for _, column, _, _ in columns),
        ", ".join(["%s"] * len(columns)),
    )
    defaults = {attname: field.get_default() for attname, _, _, field in columns}
    batch, count = [], 0
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            values = []
            for attname, _, convert, _ in columns:
                value = row.get(attname, defaults[attname])
                values.append(None if value is None else convert(value))
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def load(total: int, now: datetime) -> dict:
    from courses.models import Course
    from issuance.models import CompletionEvent, Credential, Issuance, Learner, OutboxMessage, Source

    courses = list(Course.objects.select_related("organization", "achievement").order_by("code"))
    organization = courses[0].organization
    timings = {}
    started = time.perf_counter()
    Learner.objects.bulk_create(
        [Learner(organization=organization, email=f"bench{n}@learners.example", name=f"Bench Learner {n}")
         for n in range(LEARNERS)], batch_size=BATCH)
    learner_ids = list(Learner.objects.filter(email__startswith="bench").order_by("pk").values_list("pk", flat=True))
    timings["learners"] = time.perf_counter() - started
    rng = random.Random(21)
    span = timedelta(days=365).total_seconds()
    plan = []  # (issuance id, created_at, state, course, learner index)
    for n in range(total):
        created = now - timedelta(seconds=span * n / total + rng.random())  # n = 0 is the newest
        roll = rng.random()
        state = ("synced" if roll < 0.85 else "ineligible" if roll < 0.93 else "parked" if roll < 0.95
                 else "duplicate" if roll < 0.98 else "eligible" if n < 2000 else "synced")
        plan.append((uuid.uuid4(), created, state, courses[n % len(courses)], n % LEARNERS))

    def issuances():
        for issuance_id, created, state, course, learner in plan:
            finished = None if state in ("parked", "eligible") else created + timedelta(seconds=40)
            yield {
                "id": issuance_id, "organization_id": organization.pk, "learner_id": learner_ids[learner],
                "course_id": course.pk, "achievement_id": course.achievement_id, "learner_name": f"Bench Learner {learner}",
                "completion": {"course_id": course.pk, "email": f"bench{learner}@learners.example", "score": "91"},
                "state": state, "created_at": created, "state_changed_at": finished or created, "finished_at": finished,
                "reasons": ["Your score was 52; this course requires 80."] if state == "ineligible" else [],
                "failed_step": "deliver" if state == "parked" else "", "error": "SMTP refused" if state == "parked" else "",
            }

    started = time.perf_counter()
    count = bulk_load(Issuance, issuances())
    timings["issuances"] = time.perf_counter() - started
    seen_live = set()

    def credentials():
        for issuance_id, created, state, course, learner in plan:
            if state != "synced":
                continue
            live = (learner, course.achievement_id) not in seen_live  # the newest per learner and achievement
            seen_live.add((learner, course.achievement_id))
            yield {
                "id": uuid.uuid4(), "issuance_id": issuance_id, "learner_id": learner_ids[learner],
                "achievement_id": course.achievement_id, "issued_at": created + timedelta(seconds=20),
                "valid_from": created, "valid_until": created + timedelta(days=365),
                "status": "active" if live else "superseded", "pdf_sha256": "0" * 64,
            }

    started = time.perf_counter()
    timings["credential_rows"] = bulk_load(Credential, credentials())
    timings["credentials"] = time.perf_counter() - started

    def emails():
        for n, (issuance_id, created, state, course, learner) in enumerate(plan):
            if state != "synced":
                continue
            yield {
                "organization_id": organization.pk, "issuance_id": issuance_id, "kind": "credential",
                "idempotency_key": f"bench-credential-email:{issuance_id}", "recipient": f"bench{learner}@learners.example",
                "from_email": "Bench <certs@bench.example>", "subject": "Your certificate", "text_body": "Hello",
                "status": "sent", "attempts": 1, "created_at": created + timedelta(seconds=25),
                "sent_at": created + timedelta(seconds=26 + rng.expovariate(1 / 30)), "updated_at": created,
            }

    started = time.perf_counter()
    timings["email_rows"] = bulk_load(OutboxMessage, emails())
    timings["emails"] = time.perf_counter() - started
    source = Source.objects.filter(organization=organization).first()
    bulk_load(CompletionEvent, ({
        "id": uuid.uuid4(), "source_id": source.pk, "external_id": f"bench-parked-{n}", "channel": "webhook",
        "received_at": now - timedelta(hours=n), "body": b"{}", "status": "parked", "park_reason": "email_invalid",
        "parked_at": now - timedelta(hours=n), "errors": [{"field": "email", "message": "not an address"}],
    } for n in range(PARKED_EVENTS)))
    timings["issuance_rows"] = count
    return timings


def measure(repeat: int, now: datetime) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from courses.models import Organization
    from issuance.admin import dashboard

    organizations = Organization.objects.all()
    queries = {
        "issued today / 7 / 30 days": lambda: dashboard.issued_counts(organizations=organizations, now=now),
        "in progress, parked, queue, failed, bounced": lambda: dashboard.attention_counts(organizations=organizations, now=now),
        "time to email p50/p95, 14 days": lambda: dashboard.time_to_email_by_day(organizations=organizations, now=now),
        "volume per course per day, 14 days": lambda: dashboard.volume_by_course(organizations=organizations, now=now),
        "ineligible reasons, 30 days": lambda: dashboard.ineligible_reasons(organizations=organizations, now=now),
        "exception queue by age": lambda: dashboard.queue_age(organizations=organizations, now=now),
        "upcoming expiries": lambda: dashboard.upcoming_expiries(organizations=organizations, now=now),
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    results = {}
    for name, run in queries.items():
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        results[name] = statistics.median(samples)
    user = User.objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(user)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/admin/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    results["whole /admin/ page"] = statistics.median(samples)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuances", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    django_ready()
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    timings = load(args.issuances, now)
    print(f"database: {connection.vendor}")
    print(f"loaded {timings['issuance_rows']:,} issuances in {timings['issuances']:.0f} s, "
          f"{timings['credential_rows']:,} credentials in {timings['credentials']:.0f} s, "
          f"{timings['email_rows']:,} emails in {timings['emails']:.0f} s")
    for name, ms in measure(args.repeat, now).items():
        print(f"  {name:<46} {ms:8.1f} ms (median of {args.repeat})")


if __name__ == "__main__":
    main()
