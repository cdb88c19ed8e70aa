"""Benchmark: each admin dashboard query at 1,000,000 issuances (SQLite, or PostgreSQL with DATABASE_URL).

Loads a year of history on a throw-away database, written by the database itself (INSERT … SELECT
over a recursive CTE on SQLite, generate_series on PostgreSQL; no row passes through Python):
N issuances spread over 365 days (mostly synced, some ineligible, parked, in progress), a
credential for each synced one (the newest per learner and achievement active, the rest
superseded, a year's validity), a sent credential email for each credential, and parked events.
Then times every query the dashboard makes (issuance/reports.py), median of --repeat runs,
and the whole /admin/ page through Django's test client, with the load average beside each phase.

    .venv/bin/python bench/dashboard.py [--issuances 1000000] [--repeat 5]
    DATABASE_URL=postgres://…/laurel_bench .venv/bin/python bench/dashboard.py
"""

import argparse
import os
import statistics
import time
from datetime import datetime

try:
    from badge_step import django_ready  # run as a script: bench/ is on the path
except ImportError:  # imported as bench.dashboard by the housekeeping part
    from bench.badge_step import django_ready

LEARNERS = 50_000
PARKED_EVENTS = 400
GOLDEN = 2654435761  # Knuth's multiplicative hash: (n × GOLDEN) mod 2³² spreads consecutive n evenly
SPAN = 2**32


class Dialect:
    """The few expressions SQLite and PostgreSQL write differently; every value is a literal of ours."""

    def __init__(self, vendor: str, now: datetime):
        self.sqlite = vendor == "sqlite"
        self.now = now

    def numbers(self, count: int) -> tuple[str, str]:
        """(a WITH clause, a FROM item) giving n = 0 … count − 1."""
        if self.sqlite:
            return f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {count - 1}) ", "seq"
        return "", f"generate_series(0::bigint, {count - 1}) AS seq(n)"

    def uuid(self) -> str:
        return "lower(hex(randomblob(16)))" if self.sqlite else "gen_random_uuid()"

    def ago(self, seconds: str) -> str:
        """The moment `seconds` (an SQL number) before now, as the column stores it."""
        if self.sqlite:  # Django keeps naive UTC text on SQLite
            return f"strftime('%Y-%m-%d %H:%M:%f', {self.now.timestamp()!r} - ({seconds}), 'unixepoch')"
        return f"('{self.now.isoformat()}'::timestamptz - ({seconds}) * interval '1 second')"

    def later(self, moment: str, amount: str, unit: str) -> str:
        if self.sqlite:
            return f"strftime('%Y-%m-%d %H:%M:%f', {moment}, '+' || ({amount}) || ' {unit}')"
        return f"({moment} + ({amount}) * interval '1 {unit}')"

    def json(self, text: str) -> str:
        return f"'{text}'" if self.sqlite else f"'{text}'::jsonb"

    def json_object(self, *pairs: str) -> str:
        return f"{'json_object' if self.sqlite else 'jsonb_build_object'}({', '.join(pairs)})"

    def uniform(self) -> str:
        """A random number in (0, 1]."""
        return "((abs(random() % 1000000) + 0.5) / 1000000.0)" if self.sqlite else "(1.0 - random())"

    def blob(self, data: bytes) -> str:
        return f"X'{data.hex()}'" if self.sqlite else f"'\\x{data.hex()}'::bytea"


def insert_select(model, columns: dict[str, str], rest: str, with_clause: str = "") -> int:
    """INSERT INTO model's table SELECT `columns` (attname → SQL) `rest`; nullable columns left out are NULL,
    an auto-increment key is the database's.

    Every column without NULL must be given, so a field added to the model stops the bench instead of
    loading rows the application could not have written."""
    from django.db import connection

    fields = [field for field in model._meta.concrete_fields if not (field.primary_key and field.get_internal_type().endswith("AutoField"))]
    missing = [field.attname for field in fields if field.attname not in columns and not field.null]
    unknown = set(columns) - {field.attname for field in fields}
    assert not missing and not unknown, (model.__name__, missing, unknown)
    quote = connection.ops.quote_name
    sql = (f"{with_clause}INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"SELECT {', '.join(columns.get(field.attname, 'NULL') for field in fields)} {rest}")
    before = model.objects.count()  # (the driver's rowcount is -1 after a WITH clause on SQLite)
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return model.objects.count() - before


def load(total: int, now: datetime) -> dict:
    """A year of history, written by the database itself (INSERT … SELECT over a number sequence).

    Issuance n (0 the newest) was received n/total of a year ago; its state follows (n × GOLDEN) mod 2³²
    — 85 % synced, 8 % ineligible, 2 % parked, 3 % duplicate, 2 % in progress among the newest 2,000
    (else synced); learner n mod 50,000 and course n mod the demo's courses. Each synced issuance has a
    credential (the newest per learner and achievement active, the others superseded, valid a year)
    and a sent credential email (25 s after receipt, handed over 26 s + an exponential of mean 30 s
    after it)."""
    from django.db import connection, transaction

    from courses.models import Course
    from issuance.models import CompletionEvent, Credential, Issuance, Learner, OutboxMessage, Source

    courses = list(Course.objects.select_related("organization").order_by("code"))
    organization = courses[0].organization
    if Learner.objects.filter(organization=organization, email="bench0@learners.example").exists():
        raise SystemExit("This database already holds a bench load: drop it or point DATABASE_URL at a fresh one.")
    sql = Dialect(connection.vendor, now)
    quote = connection.ops.quote_name
    learner_table, issuance_table = quote(Learner._meta.db_table), quote(Issuance._meta.db_table)
    timings = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if sql.sqlite:  # a throw-away file: trade durability for speed while loading
            cursor.execute("PRAGMA cache_size = -1000000")
        started = time.perf_counter()
        with_clause, numbers = sql.numbers(LEARNERS)
        insert_select(Learner, {
            "organization_id": str(organization.pk), "email": "'bench' || n || '@learners.example'",
            "name": "'Bench Learner ' || n", "created_at": sql.ago("31536000 + n"),
        }, f"FROM {numbers}", with_clause)
        cursor.execute("CREATE TEMPORARY TABLE bench_learner (position integer PRIMARY KEY, id integer NOT NULL UNIQUE, email text NOT NULL)")
        cursor.execute(f"{with_clause}INSERT INTO bench_learner SELECT n, l.id, l.email FROM {numbers} "
                       f"JOIN {learner_table} l ON l.organization_id = {organization.pk} AND l.email = 'bench' || n || '@learners.example'")
        cursor.execute("CREATE TEMPORARY TABLE bench_course (position integer PRIMARY KEY, id integer NOT NULL, achievement_id integer NOT NULL)")
        for index, course in enumerate(courses):
            cursor.execute(f"INSERT INTO bench_course VALUES ({index}, {course.pk}, {course.achievement_id})")
        timings["learners"] = time.perf_counter() - started

        started = time.perf_counter()
        with_clause, numbers = sql.numbers(total)
        roll = f"((n * {GOLDEN}) % {SPAN})"
        state = (f"CASE WHEN {roll} < {int(SPAN * .85)} THEN 'synced' WHEN {roll} < {int(SPAN * .93)} THEN 'ineligible' "
                 f"WHEN {roll} < {int(SPAN * .95)} THEN 'parked' WHEN {roll} < {int(SPAN * .98)} THEN 'duplicate' "
                 f"WHEN n < 2000 THEN 'eligible' ELSE 'synced' END")
        created = sql.ago(f"31536000.0 * n / {total} + ((n * 40503) % 1000) / 1000.0")
        finished = sql.later("created_at", "40", "seconds")
        ineligible = sql.json('["Your score was 52; this course requires 80."]')
        timings["issuance_rows"] = insert_select(Issuance, {
            "id": sql.uuid(), "organization_id": str(organization.pk), "learner_id": "learner_id", "course_id": "course_id",
            "achievement_id": "achievement_id", "learner_name": "'Bench Learner ' || learner",
            "completion": sql.json_object("'course_id'", "course_id", "'email'", "email", "'score'", "'91'"),
            "state": "state", "reasons": f"CASE WHEN state = 'ineligible' THEN {ineligible} ELSE {sql.json('[]')} END",
            "failed_step": "CASE WHEN state = 'parked' THEN 'deliver' ELSE '' END",
            "error": "CASE WHEN state = 'parked' THEN 'SMTP refused' ELSE '' END",
            "park_reason": "CASE WHEN state = 'parked' THEN 'smtp_refused' ELSE '' END", "attempts": "0",
            "created_at": "created_at",
            "state_changed_at": f"CASE WHEN state IN ('parked', 'eligible') THEN created_at ELSE {finished} END",
            "finished_at": f"CASE WHEN state IN ('parked', 'eligible') THEN NULL ELSE {finished} END",
            "claim_token": "''", "rules_override_reason": "''", "language": "'en'", "language_requested": "''",
            "notify_learner": "TRUE",
        }, f"FROM (SELECT n, bl.position AS learner, bl.id AS learner_id, bl.email, bc.id AS course_id, bc.achievement_id, "
           f"{state} AS state, {created} AS created_at FROM {numbers} "
           f"JOIN bench_learner bl ON bl.position = seq.n % {LEARNERS} JOIN bench_course bc ON bc.position = seq.n % {len(courses)}) planned",
           with_clause)
        timings["issuances"] = time.perf_counter() - started

        bench_synced = f"FROM {issuance_table} i JOIN bench_learner bl ON bl.id = i.learner_id WHERE i.state = 'synced'"
        started = time.perf_counter()
        timings["credential_rows"] = insert_select(Credential, {
            "id": sql.uuid(), "issuance_id": "id", "learner_id": "learner_id", "achievement_id": "achievement_id",
            "issued_at": sql.later("created_at", "20", "seconds"), "valid_from": "created_at",
            "valid_until": sql.later("created_at", "365", "days"),
            "status": "CASE WHEN newest = 1 THEN 'active' ELSE 'superseded' END",
            "status_reason": "''", "pdf": "''", "pdf_sha256": f"'{'0' * 64}'",
        }, f"FROM (SELECT i.id, i.learner_id, i.achievement_id, i.created_at, row_number() OVER "
           f"(PARTITION BY i.learner_id, i.achievement_id ORDER BY i.created_at DESC) AS newest {bench_synced}) ranked")
        timings["credentials"] = time.perf_counter() - started

        started = time.perf_counter()
        timings["email_rows"] = insert_select(OutboxMessage, {
            "organization_id": str(organization.pk), "issuance_id": "i.id", "kind": "'credential'",
            "idempotency_key": "'bench-credential-email:' || i.id", "recipient": "bl.email", "recipient_name": "''",
            "from_email": "'Bench <certs@bench.example>'", "reply_to": "''", "subject": "'Your certificate'",
            "text_body": "'Hello'", "html_body": "''", "headers": sql.json("{}"), "attachments": sql.json("[]"),
            "status": "'sent'", "attempts": "1", "last_error": "''", "provider_message_id": "''",
            "possible_duplicate": "FALSE", "created_at": sql.later("i.created_at", "25", "seconds"),
            "sent_at": sql.later("i.created_at", f"26 - 30.0 * ln({sql.uniform()})", "seconds"),
            "updated_at": sql.later("i.created_at", "26", "seconds"),
        }, bench_synced)
        timings["emails"] = time.perf_counter() - started

        source = Source.objects.filter(organization=organization).first()
        with_clause, numbers = sql.numbers(PARKED_EVENTS)
        insert_select(CompletionEvent, {
            "id": sql.uuid(), "source_id": str(source.pk), "external_id": "'bench-parked-' || n", "channel": "'webhook'",
            "received_at": sql.ago("3600 * n"), "headers": sql.json("{}"), "body": sql.blob(b"{}"), "status": "'parked'",
            "errors": sql.json('[{"field": "email", "message": "not an address"}]'), "discarded_reason": "''",
            "ignored_reason": "''", "park_reason": "'email_invalid'", "parked_at": sql.ago("3600 * n"),
            "corrections": sql.json("{}"), "failures": "0", "enrichment_attempts": "0", "learner_label": "'Bench Learner ' || n",
            "completion_key": "''",
        }, f"FROM {numbers}", with_clause)
        cursor.execute("DROP TABLE bench_learner")
        cursor.execute("DROP TABLE bench_course")
    return timings


def measure(repeat: int, now: datetime) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from courses.models import Organization
    from issuance import reports

    organizations = list(Organization.objects.values_list("pk", flat=True))  # as dashboard_build passes them
    queries = {
        "issued today / 7 / 30 days": lambda: reports.issued_counts(organizations=organizations, now=now),
        "in progress, parked, queue, failed, bounced": lambda: reports.attention_counts(organizations=organizations, now=now),
        "time to email p50/p95, 14 days": lambda: reports.time_to_email_by_day(organizations=organizations, now=now),
        "volume per course per day, 14 days": lambda: reports.volume_by_course(organizations=organizations, now=now),
        "ineligible reasons, 30 days": lambda: reports.ineligible_reasons(organizations=organizations, now=now),
        "exception queue by age": lambda: reports.queue_age(organizations=organizations, now=now),
        "upcoming expiries": lambda: reports.upcoming_expiries(organizations=organizations, now=now),
        "time to email median/p90, 30 days": lambda: reports.time_to_email_summary(organizations=organizations, now=now),
        "calendar months (issued, time to email), 6 months": lambda: reports.calendar_months(organizations=organizations, now=now),
    }
    with connection.cursor() as cursor:  # what a database that has lived a year would have: planner statistics,
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")  # and autovacuum's visibility map
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
    print(f"database: {connection.vendor}, load average {load_average()}")
    started = time.perf_counter()
    timings = load(args.issuances, now)
    print(f"loaded in {time.perf_counter() - started:.0f} s (with the commit): 50,000 learners in {timings['learners']:.0f} s, "
          f"{timings['issuance_rows']:,} issuances in {timings['issuances']:.0f} s, "
          f"{timings['credential_rows']:,} credentials in {timings['credentials']:.0f} s, "
          f"{timings['email_rows']:,} emails in {timings['emails']:.0f} s; load average {load_average()}")
    for name, ms in measure(args.repeat, now).items():
        print(f"  {name:<46} {ms:8.1f} ms (median of {args.repeat})")
    print(f"load average {load_average()}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` gives them (the machine may be shared)."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
