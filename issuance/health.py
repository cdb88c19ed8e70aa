"""What /healthz and the dashboard report about the pipeline: the broker, and whether work has stalled.

The pipeline is stalled when, for longer than LAUREL_HEALTH_STALL_SECONDS, an issuance has waited to
move, a received event has waited to be processed, a queued task has waited for a worker to take it,
or no worker has finished any task while work waits. Each is one indexed read (or one look at the
head of the queue), so the probe costs the same at a million rows as at ten.
"""

import os
import socket
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Min, Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.signing import SignedPackage

from .models import CompletionEvent, Issuance, WorkerHeartbeat
from .transitions import NOT_CLAIMABLE

HEARTBEAT_KEY = "laurel:health:task-finished"
HEARTBEAT_EVERY = 5.0  # seconds; one cache write per this long per monitor process, not one per task
_last_beat = {"at": 0.0}


def broker_health() -> dict:
    try:
        broker = get_broker()
        broker.ping()
        return {"status": "ok", "kind": broker.info(), "queued": broker.queue_size()}
    except Exception as exc:  # the probe reports, it never raises
        return {"status": f"error: {type(exc).__name__}: {exc}"}


def worker_finished_record(sender=None, task: dict | None = None, **kwargs) -> None:
    """django-q2's post_execute receiver (in the cluster's monitor): when a worker last finished a task.

    A finished task is also this worker host's heartbeat: a busy cluster, whose internal queue is kept
    full by real work, proves its progress this way rather than by the heartbeat task waiting its turn.
    """
    stopped = ((task or {}).get("stopped") or timezone.now()).timestamp()
    _host_beat_on_progress(stopped)
    if abs(stopped - _last_beat["at"]) < HEARTBEAT_EVERY:
        return
    try:
        # Kept a week: after that the queue's and the events' own ages still say the pipeline stalled.
        cache.set(HEARTBEAT_KEY, stopped, timeout=7 * 24 * 3600)
        _last_beat["at"] = stopped
    except Exception:  # a cache outage must not fail the task's bookkeeping; /healthz reports the cache itself
        pass


def _age(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


def oldest_queued_task_started(broker=None) -> datetime | None:
    """When the task at the head of the queue, not taken by any worker, was queued; None for an empty queue."""
    broker = broker or get_broker()
    if isinstance(broker, ORM):  # rows whose lock no worker holds (never taken, or its claim ran out)
        row = (broker.get_connection().filter(key=broker.list_key, lock__lte=timezone.now())
               .order_by("id").only("payload").first())
        payload = row.payload if row else None
    elif isinstance(broker, Redis):  # the list's head: the next task a worker will pop
        payload = broker.connection.lindex(broker.list_key, 0)
    else:
        return None
    if payload is None:
        return None
    try:
        return SignedPackage.loads(payload).get("started")
    except Exception:  # a foreign or corrupt message: it is not ours to date
        return None


def pipeline_health(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    threshold = settings.LAUREL_HEALTH_STALL_SECONDS
    waiting = Issuance.objects.filter(finished_at__isnull=True).exclude(state__in=NOT_CLAIMABLE)
    # An issuance held by its course's "sending paused" switch waits on purpose, not because a worker is missing.
    issuance_age = _age(waiting.exclude(course__sending_paused=True).aggregate(oldest=Min("state_changed_at"))["oldest"], now)
    # An event whose sender's API is being retried later (next_attempt_at) waits on purpose too.
    events = CompletionEvent.objects.filter(status=CompletionEvent.Status.ACCEPTED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    event_age = _age(events.aggregate(oldest=Min("received_at"))["oldest"], now)
    try:
        queue_age = _age(oldest_queued_task_started(), now)
    except Exception:  # the broker's own status says what is wrong with it
        queue_age = 0.0
    beat = cache.get(HEARTBEAT_KEY)
    finished_age = round(max(now.timestamp() - beat, 0.0), 1) if beat else None
    work_waits = issuance_age > 0 or event_age > 0 or queue_age > 0
    reasons = []
    if issuance_age > threshold:
        reasons.append(f"an issuance has waited {issuance_age:.0f} s to move")
    if event_age > threshold:
        reasons.append(f"a received event has waited {event_age:.0f} s to be processed")
    if queue_age > threshold:
        reasons.append(f"a queued task has waited {queue_age:.0f} s for a worker to take it")
    if work_waits and finished_age is not None and finished_age > threshold:
        reasons.append(f"no worker has finished a task for {finished_age:.0f} s while work waits")
    return {
        "waiting": waiting.count(),
        "parked": Issuance.objects.filter(state=Issuance.State.PARKED).count(),
        "held_by_paused_courses": waiting.filter(course__sending_paused=True).count(),
        "oldest_waiting_seconds": round(issuance_age, 1),
        "oldest_event_waiting_seconds": round(event_age, 1),
        "oldest_queued_task_seconds": round(queue_age, 1),
        "last_task_finished_seconds_ago": finished_age,
        "stall_threshold_seconds": threshold,
        "stalled": bool(reasons),
        "stalled_because": reasons,
    }


# --- Worker hosts: one heartbeat row each -------------------------------------------------------------

def sd_notify(message: str) -> bool:
    """Send `message` (e.g. "WATCHDOG=1") to systemd's notification socket when there is one (NOTIFY_SOCKET)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.sendto(message.encode(), address)
        return True
    except OSError:  # no supervisor listening: nothing to tell
        return False


_last_host_beat = {"at": 0.0}


def _host_beat_on_progress(stopped: float) -> None:
    pid, started = os.environ.get("LAUREL_QCLUSTER_PID"), os.environ.get("LAUREL_QCLUSTER_STARTED")
    if not pid or not started:  # not in a Laurel qcluster (credentials_site.graceful_cluster sets them)
        return
    if stopped - _last_host_beat["at"] < settings.LAUREL_WORKER_HEARTBEAT_SECONDS:
        return
    try:
        worker_beat(settings.LAUREL_WORKER_HOST, int(pid), datetime.fromisoformat(started))
        _last_host_beat["at"] = stopped
    except Exception:  # the database is away: no beat, which is the truth; the next finished task tries again
        pass


def worker_beat(host: str, pid: int, started_at: datetime) -> None:
    """The heartbeat task: run by one of the cluster's own workers, handed to it by its sentinel.

    Reaching here proves the cluster can still take a task from its queue, run it and write to the
    database; then (and only then) systemd's watchdog is fed.
    """
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(host=host).update(
        pid=pid, started_at=started_at, beat_at=now, beats=models.F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(host=host, defaults={"pid": pid, "started_at": started_at,
                                                                     "beat_at": now, "beats": 1})
    sd_notify("READY=1\nWATCHDOG=1")


def worker_hosts(*, now: datetime | None = None) -> list[dict]:
    """Every worker host's last beat, oldest first; `stalled` past LAUREL_WORKER_STALL_SECONDS."""
    now = now or timezone.now()
    threshold = settings.LAUREL_WORKER_STALL_SECONDS
    hosts = []
    for row in WorkerHeartbeat.objects.order_by("beat_at", "host"):
        age = round(_age(row.beat_at, now), 1)
        hosts.append({"host": row.host, "last_beat": row.beat_at.isoformat(timespec="seconds"),
                      "seconds_ago": age, "started_at": row.started_at.isoformat(timespec="seconds"),
                      "pid": row.pid, "stalled": age > threshold})
    return hosts
