"""The crash part: 1,000 signed completions through the webhook while the whole worker cluster is SIGKILLed again and again.

The test suite's version (tests/pipeline/test_crash.py) runs 200; this one runs the load a
provider's end-of-term export makes, on the profile's broker (the ORM broker embedded, Redis in
production). After the last kill the sweep does what its every-minute schedule does, sooner, until
every accepted completion has its email or the deadline passes. Reported: accepted, finished, lost
(accepted but no email), duplicate emails (the documented stuck-in-sending resend), and times.
"""

import time
import uuid

from .figures import Progress, load_average
from .load import learner_email
from .pipeline import _post, ensure_running
from .smtp_sink import ArrivalSink
from .stack import Stack

KILLS = 10
KILL_EVERY = 5.0  # seconds between SIGKILLs of the cluster's process group; it is started again at once


def _sweep_when_idle() -> int:
    from django_q.brokers import get_broker

    from issuance.sweep import completion_events_sweep, issuance_sweep

    if get_broker().queue_size():
        return 0
    return len(issuance_sweep(stalled_after=2)) + len(completion_events_sweep(stalled_after=2))


def _outcomes(prefix: str) -> dict:
    from django.db.models import Count, Q

    from issuance.models import CompletionEvent, Issuance, OutboxMessage

    issuances = Issuance.objects.filter(learner__email__startswith=prefix).aggregate(
        issuances=Count("pk"), finished=Count("pk", filter=Q(finished_at__isnull=False)),
        parked=Count("pk", filter=Q(state=Issuance.State.PARKED)),
    )
    events = CompletionEvent.objects.filter(external_id__startswith=prefix)
    return {
        **issuances,
        "events_unprocessed": events.filter(status=CompletionEvent.Status.ACCEPTED).count(),
        "possible_duplicates": OutboxMessage.objects.filter(recipient__startswith=prefix, possible_duplicate=True).count(),
    }


def measure_crash(*, stack: Stack, sink: ArrivalSink, count: int, kills: int = KILLS, every: float = KILL_EVERY, log=print) -> dict:
    ensure_running(stack, sink, log=log)
    load_start = load_average()
    prefix = f"kill-{uuid.uuid4().hex[:6]}-"
    duplicates_before = sink.handler.duplicates
    load = _post(stack, prefix=prefix, count=count, concurrency=2 * stack.cpus)
    killed = 0
    while killed < kills and len(sink.arrivals_for(prefix)) < count:
        time.sleep(every)
        stack.stop_workers()  # SIGKILL to every process of the cluster, as an OOM killer would
        stack.start_workers()
        killed += 1
        log(f"  kill {killed}: {len(sink.arrivals_for(prefix))}/{count} emails so far")
    last_kill = time.time()
    records = load.records()
    accepted = {learner_email(prefix, r[0]) for r in records if r[1] == 202}
    swept = 0
    progress = Progress("crash emails", len(accepted), log=log)
    deadline = time.monotonic() + 300 + count * 0.3
    arrived = sink.arrivals_for(prefix)
    while len(arrived) < len(accepted) and time.monotonic() < deadline:
        swept += _sweep_when_idle()
        progress(len(arrived))
        time.sleep(1)
        arrived = sink.arrivals_for(prefix)
    outcomes = _outcomes(prefix)
    first_post = min(r[3] for r in records)
    last_email = max(arrived.values()) if arrived else time.time()
    return {
        "crash_count": count,
        "crash_kills": killed,
        "crash_accepted": len(accepted),
        "crash_finished": outcomes["finished"],
        "crash_lost": len(accepted - set(arrived)),
        "crash_parked": outcomes["parked"],
        "crash_events_unprocessed": outcomes["events_unprocessed"],
        "crash_duplicate_emails": sink.handler.duplicates - duplicates_before,
        "crash_possible_duplicates_flagged": outcomes["possible_duplicates"],
        "crash_requeued_by_sweep": swept,
        "crash_elapsed_s": round(last_email - first_post, 1),
        "crash_recovery_s": round(max(0.0, last_email - last_kill), 1),
        "load_crash": [load_start, load_average()],
    }
