"""What /healthz reports about the pipeline: the broker, and how long the oldest waiting issuance has waited."""

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django_q.brokers import get_broker

from .models import Issuance
from .transitions import NOT_CLAIMABLE


def broker_health() -> dict:
    try:
        broker = get_broker()
        broker.ping()
        return {"status": "ok", "kind": broker.info(), "queued": broker.queue_size()}
    except Exception as exc:  # the probe reports, it never raises
        return {"status": f"error: {type(exc).__name__}: {exc}"}


def pipeline_health() -> dict:
    waiting = Issuance.objects.filter(finished_at__isnull=True).exclude(state__in=NOT_CLAIMABLE)
    # An issuance held by its course's "sending paused" switch waits on purpose, not because a worker is missing.
    oldest = waiting.exclude(course__sending_paused=True).aggregate(oldest=Min("state_changed_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {
        "waiting": waiting.count(),
        "parked": Issuance.objects.filter(state=Issuance.State.PARKED).count(),
        "held_by_paused_courses": waiting.filter(course__sending_paused=True).count(),
        "oldest_waiting_seconds": round(age, 1),
        "stall_threshold_seconds": settings.LAUREL_HEALTH_STALL_SECONDS,
        "stalled": age > settings.LAUREL_HEALTH_STALL_SECONDS,
    }
