"""Finding issuances that stopped moving and putting them back on the queue.

Needed because a worker can die mid-step (its lease then runs out) and the Redis broker can lose a
task outright. Re-queuing something that is in fact still queued costs one no-op task: the claim
lets only one run do the step.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from .intake.processing import PROCESS_TASK
from .models import CompletionEvent, Issuance
from .step_queue import ADVANCE_TASK, queue_broker
from .transitions import NOT_CLAIMABLE
from .step_queue import KIND_TASKS, Kind, turn_push, turns_waiting_since


def issuances_waiting():
    """Issuances with work left that no one is working on right now."""
    now = timezone.now()
    return (
        Issuance.objects.filter(finished_at__isnull=True)
        .exclude(state__in=NOT_CLAIMABLE)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )


def issuance_sweep(*, stalled_after: int | None = None, limit: int = 1000) -> list:
    """Re-queue issuances whose retry is due, or that have not moved for `stalled_after` seconds."""
    now = timezone.now()
    stalled_after = settings.LAUREL_STALL_SECONDS if stalled_after is None else stalled_after
    due = issuances_waiting().filter(
        Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, state_changed_at__lte=now - timedelta(seconds=stalled_after))
    )
    rows = list(due.order_by("state_changed_at").values_list("pk", "organization_id")[:limit])
    broker = queue_broker()
    for issuance_id, organization_id in rows:
        turn_push(kind=Kind.ISSUANCE, ref=issuance_id, organization_id=organization_id)  # a waiting turn keeps its place
        async_task(ADVANCE_TASK, str(issuance_id), broker=broker)
    return [issuance_id for issuance_id, _ in rows]


def completion_events_sweep(*, stalled_after: int | None = None, limit: int = 1000) -> list:
    """Re-queue received events that no worker processed for `stalled_after` seconds, and those whose retry is due.

    The task is queued after the event's row commits; if the broker refused it then (Redis down) or
    a worker popped it from Redis and died, the event would wait forever. Processing is idempotent,
    so an event that was merely waiting in a long queue costs one no-op task.
    """
    stalled_after = settings.LAUREL_EVENT_STALL_SECONDS if stalled_after is None else stalled_after
    now = timezone.now()
    cutoff = now - timedelta(seconds=stalled_after)
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, received_at__lte=cutoff)
    rows = list(
        CompletionEvent.objects.filter(due, status=CompletionEvent.Status.ACCEPTED)
        .order_by("received_at").values_list("pk", "source__organization_id")[:limit]
    )
    broker = queue_broker()
    for event_id, organization_id in rows:  # one task each: a single event's task carries its issuance on to the email
        turn_push(kind=Kind.EVENT, ref=event_id, organization_id=organization_id)
        async_task(PROCESS_TASK, str(event_id), broker=broker)
    return [event_id for event_id, _ in rows]


def turns_sweep(*, limit: int = 1000) -> int:
    """Queue a task again for each turn that has waited longer than its kind's stall time.

    Its task may have been lost with the broker (Redis restarted empty, a popped task whose worker
    died) after its work was done another way (an email's or a delivery's own sweep sends it
    directly), and a turn with no task would wait for ever. In a long backlog the turn is merely
    waiting: the extra task takes the next turn in order, and one that finds none left does its
    own row's work again, a no-op.
    """
    now = timezone.now()
    broker = queue_broker()
    queued = 0
    for kind, task in KIND_TASKS.items():
        stall = settings.LAUREL_EVENT_STALL_SECONDS if kind == Kind.EVENT else settings.LAUREL_STALL_SECONDS
        for ref in turns_waiting_since(kind=kind, before=now - timedelta(seconds=stall), limit=limit):
            async_task(task, ref, broker=broker)
            queued += 1
    return queued
