"""Parts `fairness` and `burst` (issue 35): one organisation's burst beside another's one completion,
and a burst of completions posted at once, cleared with nothing lost.

fairness: organisation A (the demo source) posts N completions at once; 10 s later organisation B
(a second organisation's own source) posts one. Figures: how long B's credential took to be emailed,
and how much of A's burst was still waiting then (it must be in flight, not done).

burst: N completions posted at once. Figures: requests accepted, intake p99 overall and the worst
10-second window's p99 ("throughout"), credentials emailed, lost (posted and accepted, never emailed),
duplicates, time to clear (first post to last email), CPU per credential (web and workers), and the
load average at the start and the end. Run with BENCH_Q_WORKERS=1 and =2 for the scaling model
(docs/scaling.md).
"""

import time
import uuid

from .figures import LoadProcess, Progress, load_average, percentile
from .load import learner_email
from .pipeline import ensure_running
from .stack import SECRET, Stack
from .smtp_sink import ArrivalSink

B_SOURCE, B_COURSE = "bench-second", "FL-100"
B_AFTER_SECONDS = 10


def _post(stack: Stack, *, source: str, course: str, prefix: str, count: int, concurrency: int) -> LoadProcess:
    return LoadProcess("post", "--url", f"{stack.base_url}/api/v1/sources/{source}/events", "--secret", SECRET,
                       "--prefix", prefix, "--course", course, "--count", str(count), "--concurrency", str(concurrency),
                       "--max-seconds", "1800", out=stack.workdir / f"{prefix}load.json", env=stack.env)


def _second_source() -> None:
    """The second organisation of the demo data (northwind), with a webhook source of its own."""
    from issuance.models import Source
    from courses.models import Organization

    other = Organization.objects.get(slug="northwind")
    Source.objects.get_or_create(slug=B_SOURCE, defaults={
        "organization": other, "name": "Bench: second organisation", "signing_secret": SECRET,
        "rate_limit_per_minute": 10**9})


def measure_fairness(*, stack: Stack, sink: ArrivalSink, count: int, log=print) -> dict:
    _second_source()
    ensure_running(stack, sink, log=log)
    load_start = load_average()
    a_prefix, b_prefix = f"fair-a-{uuid.uuid4().hex[:6]}-", f"fair-b-{uuid.uuid4().hex[:6]}-"
    a_load = _post(stack, source="demo", course="FA-101", prefix=a_prefix, count=count, concurrency=2 * stack.cpus)
    time.sleep(B_AFTER_SECONDS)
    load_at_b = load_average()
    b_records = _post(stack, source=B_SOURCE, course=B_COURSE, prefix=b_prefix, count=1, concurrency=1).records()
    b_posted = b_records[0][3]
    arrived = sink.wait_for(prefix=b_prefix, count=1, deadline=time.monotonic() + 300)
    b_emailed = arrived.get(learner_email(b_prefix, 0))
    a_emailed_by_then = sum(1 for at in sink.arrivals_for(a_prefix).values() if b_emailed and at <= b_emailed)
    a_load.stop()  # posting may still be going on: what was accepted is the burst in flight
    a_accepted = len(stack_accepted(stack, a_prefix))
    log(f"  fairness: B emailed {b_emailed - b_posted if b_emailed else None} s after its post; "
        f"A had {a_emailed_by_then} of {a_accepted} accepted emailed by then")
    return {
        "fairness_a_posted": count,
        "fairness_a_accepted": a_accepted,
        "fairness_b_status": b_records[0][1],
        "fairness_small_org_s": round(b_emailed - b_posted, 2) if b_emailed else None,
        "fairness_a_emailed_when_b_emailed": a_emailed_by_then,
        "fairness_a_in_flight_when_b_emailed": a_accepted - a_emailed_by_then,
        "load_fairness": [load_start, load_at_b, load_average()],
    }


def stack_accepted(stack: Stack, prefix: str) -> list[str]:
    """External ids of the events a source accepted under `prefix` (the database, not the load client, counts)."""
    from issuance.models import CompletionEvent

    return list(CompletionEvent.objects.filter(external_id__startswith=prefix).values_list("external_id", flat=True))


STALL_SECONDS = 180


def _wait_while_moving(sink: ArrivalSink, *, prefix: str, count: int, log=print) -> dict[str, float]:
    """Every email, or what arrived until none came for STALL_SECONDS: a loaded machine is slow, not lossy.

    What is missing then is counted as lost (the sweeps had three minutes to re-queue it).
    """
    progress = Progress("burst emails", count, every=30, log=log)
    seen, last_change = 0, time.monotonic()
    while True:
        arrived = sink.wait_for(prefix=prefix, count=count, deadline=time.monotonic() + 10, on_wait=progress)
        if len(arrived) >= count:
            return arrived
        if len(arrived) > seen:
            seen, last_change = len(arrived), time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            return arrived


def measure_burst(*, stack: Stack, sink: ArrivalSink, count: int, log=print) -> dict:
    ensure_running(stack, sink, log=log)
    load_start, cpu_start = load_average(), stack.cpu_seconds()
    prefix = f"burst-{uuid.uuid4().hex[:6]}-"
    load = _post(stack, source="demo", course="FA-101", prefix=prefix, count=count, concurrency=2 * stack.cpus)
    records = load.records(timeout=1800)
    load_posted = load_average()
    accepted = [r for r in records if r[1] == 202]
    arrived = _wait_while_moving(sink, prefix=prefix, count=len(accepted), log=log)
    cpu = stack.cpu_seconds() - cpu_start
    durations = [(r[4] - r[3]) * 1000 for r in records]
    first_post = min(r[3] for r in records)
    windows: dict[int, list[float]] = {}
    for r in records:
        windows.setdefault(int((r[3] - first_post) // 10), []).append((r[4] - r[3]) * 1000)
    worst_window = max(percentile(values, 0.99) for values in windows.values())
    last_email = max(arrived.values()) if arrived else time.time()
    accepted_emails = {learner_email(prefix, r[0]) for r in accepted}
    return {
        "burst_n": count,
        "burst_workers": int(stack.env["Q_WORKERS"]),
        "burst_accepted": len(accepted),
        "burst_intake_p50_ms": round(percentile(durations, 0.50), 1),
        "burst_intake_p99_ms": round(percentile(durations, 0.99), 1),
        "burst_intake_p99_worst_10s_ms": round(worst_window, 1),
        "burst_posting_s": round(max(r[4] for r in records) - first_post, 1),
        "burst_credentials_emailed": len(arrived),
        "burst_lost": len(accepted_emails - set(arrived)),
        "burst_duplicate_emails": sink.handler.duplicates,
        "burst_clear_s": round(last_email - first_post, 1),
        "burst_per_min": round(len(arrived) / max(0.001, last_email - first_post) * 60),
        "burst_cpu_ms_per_credential": round(cpu / max(1, len(arrived)) * 1000, 1),
        "load_burst": [load_start, load_posted, load_average()],
    }
