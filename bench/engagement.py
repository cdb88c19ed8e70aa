"""`python -m bench --only engagement`: what counting costs a public page, and the dashboard's rates at volume (#33).

1. The public credential page under concurrent requests from a browser's User-Agent (so each view is
   counted), in rounds alternating counting on and off for the organisation (the load on a shared
   machine changes between rounds; alternating spreads it over both), p50/p99 and pages a second of
   each, and the views counted, which must equal the requests made with counting on.
2. N counted credentials (default 1,000,000): the dashboard's year of history (bench/dashboard.py's
   set-based loader, with enough issuances for N credentials), then an engagement row for every
   credential, written by the database itself. Then the rates the dashboard and a course's page read
   (issuance/engagement/figures.py), median of 5, and the whole /admin/ page.
"""

import statistics
import time
from pathlib import Path

from .figures import LoadProcess, load_average, percentile

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
ROUNDS = 4  # on, off, on, off (the pages the first part counts keep their rows; the load adds the rest)
CREDENTIAL_SHARE = 0.8699  # credentials per issuance in the dashboard's load (869,959 of 1,000,000)


def _counting(on: bool) -> None:
    from courses.models import Organization

    Organization.objects.update(count_engagement=on)


def _page_rounds(*, stack, requests: int, log) -> dict:
    from django.db import connections

    from issuance.models import CredentialEngagement

    from .verify import _credential_ids

    stack.stop_workers()
    if stack.web is None:
        stack.start_web()
    ids = _credential_ids(minimum=10)
    paths = Path(stack.workdir) / "engagement-paths.txt"
    paths.write_text("".join(f"/credentials/{pk}\n" for pk in ids))
    concurrency = 4 * stack.cpus
    LoadProcess("get", "--url", stack.base_url, "--paths", str(paths), "--count", str(concurrency * 5),
                "--concurrency", str(concurrency), "--user-agent", BROWSER, out=Path(stack.workdir) / "engagement-warm.json",
                env=stack.env).records()
    samples = {"on": [], "off": []}
    walls = {"on": 0.0, "off": 0.0}
    views_before = sum(CredentialEngagement.objects.values_list("views", flat=True))
    for number in range(ROUNDS):
        mode = "on" if number % 2 == 0 else "off"
        _counting(mode == "on")
        connections.close_all()
        records = LoadProcess("get", "--url", stack.base_url, "--paths", str(paths), "--count", str(requests),
                              "--concurrency", str(concurrency), "--user-agent", BROWSER, "--max-seconds", "300",
                              out=Path(stack.workdir) / f"engagement-{number}.json", env=stack.env).records()
        failed = sum(1 for record in records if record[1] != 200)
        if failed:
            raise RuntimeError(f"{failed} of {len(records)} public pages did not answer 200 with counting {mode}")
        samples[mode] += [(record[4] - record[3]) * 1000 for record in records]
        walls[mode] += max(record[4] for record in records) - min(record[3] for record in records)
        log(f"  engagement: page round {number + 1}, counting {mode}: p50 {percentile(samples[mode], 0.5):.1f} ms "
            f"(load average {load_average()})")
    _counting(True)
    counted = sum(CredentialEngagement.objects.values_list("views", flat=True)) - views_before
    figures = {"page_concurrency": concurrency, "page_requests_each": requests * ROUNDS // 2,
               "views_counted": counted}
    for mode in ("on", "off"):
        figures[f"page_counting_{mode}_p50_ms"] = round(percentile(samples[mode], 0.50), 1)
        figures[f"page_counting_{mode}_p99_ms"] = round(percentile(samples[mode], 0.99), 1)
        figures[f"page_counting_{mode}_per_s"] = round(len(samples[mode]) / walls[mode])
    if counted != requests * ROUNDS // 2:
        raise RuntimeError(f"{counted} views counted for {requests * ROUNDS // 2} pages requested with counting on")
    return figures


def load_engagement(credentials: int, now, log) -> dict:
    """The dashboard's history with enough issuances for `credentials` credentials, then a row for each credential."""
    from django.db import connection, transaction

    from bench.dashboard import Dialect, insert_select, load
    from issuance.models import Credential, CredentialEngagement, Issuance

    timings = load(int(credentials / CREDENTIAL_SHARE) + 1, now)
    sql = Dialect(connection.vendor, now)
    quote = connection.ops.quote_name
    roll = sql.uniform()

    def upto(n: int) -> str:  # a random whole number 0 … n − 1 (random() is an integer on SQLite, a fraction on PostgreSQL)
        return f"abs(random() % {n})" if sql.sqlite else f"floor(random() * {n})::integer"

    started = time.perf_counter()
    with transaction.atomic():
        # Shares seen on the peers' dashboards: most credentials viewed, fewer downloaded, fewer still on LinkedIn.
        timings["engagement_rows"] = insert_select(CredentialEngagement, {
            "credential_id": "c.id", "organization_id": "i.organization_id", "course_id": "i.course_id",
            "issued_at": "c.issued_at",
            "views": f"CASE WHEN {roll} < 0.7 THEN 1 + {upto(12)} ELSE 0 END",
            "downloads": f"CASE WHEN {roll} < 0.4 THEN 1 + {upto(3)} ELSE 0 END",
            "linkedin_clicks": f"CASE WHEN {roll} < 0.2 THEN 1 ELSE 0 END",
            "wallet_claims": f"CASE WHEN {roll} < 0.05 THEN 1 ELSE 0 END",
            "verifications": f"CASE WHEN {roll} < 0.15 THEN 1 + {upto(4)} ELSE 0 END",
            "first_counted_at": sql.later("c.issued_at", "1", "hours"),
            "last_counted_at": sql.later("c.issued_at", "3", "days"),
        }, f"FROM {quote(Credential._meta.db_table)} c JOIN {quote(Issuance._meta.db_table)} i ON i.id = c.issuance_id "
           f"WHERE NOT EXISTS (SELECT 1 FROM {quote(CredentialEngagement._meta.db_table)} e WHERE e.credential_id = c.id)")
    timings["engagement"] = time.perf_counter() - started
    log(f"engagement: {timings['engagement_rows']:,} engagement rows in {timings['engagement']:.0f} s")
    return timings


def _median_ms(run, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def measure_engagement(*, stack, count: int, log, page_requests: int = 2000, repeat: int = 5) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from courses.models import Course, Organization
    from issuance.engagement.figures import engagement_rates
    from issuance.reports import month_start

    figures = {"vendor": connection.vendor}
    log(f"engagement: public page, counting on and off ({ROUNDS} rounds of {page_requests}; load average {load_average()})")
    figures.update(_page_rounds(stack=stack, requests=page_requests, log=log))
    stack.stop_web()
    now = timezone.now()
    started = time.perf_counter()
    log(f"engagement: loading {count:,} counted credentials (load average {load_average()})")
    timings = load_engagement(count, now, log)
    figures["loaded_s"] = round(time.perf_counter() - started)
    figures["credentials"] = timings["engagement_rows"]
    with connection.cursor() as cursor:  # planner statistics, as a database that has lived a year has them
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    organizations = list(Organization.objects.values_list("pk", flat=True))
    course = Course.objects.order_by("code").first()
    start = month_start(now=now)
    result = engagement_rates(organizations=organizations, start=start, end=now)
    figures["issued_30_days"] = result["issued"]
    figures["rates_30_days"] = {rate["key"]: round(rate["share"], 3) for rate in result["rates"]}
    figures["dashboard_rates_ms"] = _median_ms(lambda: engagement_rates(organizations=organizations, start=start, end=now), repeat)
    figures["course_rates_ms"] = _median_ms(lambda: engagement_rates(course=course, start=start, end=now), repeat)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.filter(is_superuser=True).first())
    assert client.get("/admin/").status_code == 200
    figures["admin_page_ms"] = _median_ms(lambda: client.get("/admin/"), repeat)
    figures["load_engagement"] = load_average()
    log(f"engagement: {figures}")
    return {"engagement": figures}
