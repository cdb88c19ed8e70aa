"""`python -m bench --only digesting`: a stack with N (5,000) completions and a CRM connection keeps
issuing while its staff digest runs (#28).

The probe's finding: the minute's digest joined five relations of an organisation, so at about 250
completions with one CRM connection each run outlived the task timeout, both workers ran nothing else,
and no completion was processed for 14 minutes. Here the stack gets N completions' history as the
housekeeping part loads it (issuances, events, emails, a CRM connection with a delivery per issuance,
and 800 items staff have not heard of), then completions are posted at a steady rate twice: once
alone, and once while the workers run the digest again and again (each run finds the 800 items
unannounced again, so every run does its whole work and sends). Reported: each phase's latency
from POST to the learner's email, how many arrived, and how many digests the workers sent meanwhile.
"""

import threading
import time
import uuid
from datetime import timedelta

from .figures import Progress, load_average, percentile
from .load import learner_email
from .pipeline import _post, ensure_running

DIGEST = "issuance.intake.digests.staff_digests_send"


def _phase(*, stack, sink, label: str, count: int, rate: float, log) -> dict:
    prefix = f"{label}-{uuid.uuid4().hex[:6]}-"
    load = _post(stack, prefix=prefix, count=count, rate=rate, concurrency=4)
    arrived = sink.wait_for(prefix=prefix, count=count, deadline=time.monotonic() + count / rate + 120,
                            on_wait=Progress(f"{label} emails", count, log=log))
    records = load.records()
    latencies = [arrived[learner_email(prefix, r[0])] - r[3] for r in records if learner_email(prefix, r[0]) in arrived]
    return {"posted": count, "emailed": len(latencies), "p50_s": round(percentile(latencies, 0.50), 3),
            "p95_s": round(percentile(latencies, 0.95), 3), "max_s": round(max(latencies, default=0), 3)}


def _digests_again_and_again(stop: threading.Event, sent: list) -> None:
    """Queue the digest as its schedule does, each time with the 800 items unannounced again, as soon as
    the previous run has sent (or after 30 s, if a run was skipped because one was still going)."""
    from django.db import connections
    from django.utils import timezone
    from django_q.tasks import async_task

    from issuance.models import CompletionEvent, OutboundDelivery, OutboxMessage, StaffDigest
    from issuance.step_queue import queue_broker

    try:
        while not stop.is_set():
            StaffDigest.objects.all().delete()
            since = timezone.now() - timedelta(days=1)
            for model in (CompletionEvent, OutboundDelivery, OutboxMessage):
                model.objects.filter(staff_notified_at__gte=since).update(staff_notified_at=None)
            queued = time.monotonic()
            async_task(DIGEST, broker=queue_broker())
            while not stop.is_set() and time.monotonic() - queued < 30:
                if StaffDigest.objects.exists():
                    sent.append(time.monotonic() - queued)
                    break
                time.sleep(0.1)
    finally:
        connections.close_all()


def measure_digesting(*, stack, sink, count: int, log, completions: int = 150, rate: float = 5.0) -> dict:
    from django.db import connection, connections
    from django.utils import timezone

    from .housekeeping import load_housekeeping

    started = time.perf_counter()
    load_housekeeping(count, timezone.now(), log=log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    connections.close_all()
    log(f"digesting: {count:,} completions' history loaded in {time.perf_counter() - started:.0f} s (load average {load_average()})")
    ensure_running(stack, sink, log=log)
    load_start = load_average()
    alone = _phase(stack=stack, sink=sink, label="alone", count=completions, rate=rate, log=log)
    stop, sent = threading.Event(), []
    digests = threading.Thread(target=_digests_again_and_again, args=(stop, sent), daemon=True)
    digests.start()
    try:
        during = _phase(stack=stack, sink=sink, label="digesting", count=completions, rate=rate, log=log)
    finally:
        stop.set()
        digests.join(timeout=60)
    figures = {"history": count, "rate_per_s": rate, "alone": alone, "while_digesting": during,
               "digests_sent": len(sent), "digest_queued_to_sent_s": [round(min(sent, default=0), 2), round(max(sent, default=0), 2)],
               "load": [load_start, load_average()]}
    log(f"digesting: alone {alone}; while the digest ran {len(sent)} times: {during}; load {figures['load']}")
    return {"digesting": figures}
