"""Finding issuances that stopped moving and putting them back on the queue.

Needed because a worker can die mid-step (its lease then runs out) and the Redis broker can lose a
task outright. Re-queuing something that is in fact still queued costs one no-op task: the claim
lets only one run do the step.

The scheduled sweep (issuance/tasks.py) runs each part with `stop` (its time budget) and `resume`: a
part stops between rows once `stop()` says so, after at least one row so every run makes progress, and
keeps its place in the shared cache (the last row it handled, in its order), so the next run carries on
from there instead of re-queuing the same oldest rows again; a part that reaches the end starts over.
A lost place (the cache emptied) only means starting over. The `sweep` command sweeps from the start.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
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


CURSOR_PREFIX = "laurel:sweep:after:"
CURSOR_SECONDS = 24 * 3600  # a place older than a day is not worth keeping: the part starts over


def _never() -> bool:
    return False


def _rows_from_place(query, *, part: str, order: tuple[str, str], fields: tuple, limit: int, resume: bool) -> list[tuple]:
    """Up to `limit` rows of `query` in `order` (a column, then the key), after the place `part` stopped at last."""
    first, key = order
    place = cache.get(CURSOR_PREFIX + part) if resume else None
    if place is not None:
        query = query.filter(Q(**{f"{first}__gt": place[0]}) | Q(**{first: place[0], f"{key}__gt": place[1]}))
    return list(query.order_by(first, key).values_list(first, key, *fields)[:limit])


def _handle_rows(rows: list[tuple], *, part: str, limit: int, stop: Callable[[], bool], resume: bool,
                 handle: Callable[[tuple], None]) -> list[tuple]:
    """`handle` each row until `stop()` (after the first); keep the place for the next run. The rows handled."""
    handled = []
    for row in rows:
        if handled and stop():
            break
        handle(row)
        handled.append(row)
    if resume:
        if handled and (len(handled) < len(rows) or len(rows) >= limit):  # stopped early, or more may follow
            cache.set(CURSOR_PREFIX + part, handled[-1][:2], timeout=CURSOR_SECONDS)
        else:  # the end: the next run starts over
            cache.delete(CURSOR_PREFIX + part)
    return handled


def issuance_sweep(*, stalled_after: int | None = None, limit: int = 1000, stop: Callable[[], bool] = _never,
                   resume: bool = False) -> list:
    """Re-queue issuances whose retry is due, or that have not moved for `stalled_after` seconds."""
    now = timezone.now()
    stalled_after = settings.LAUREL_STALL_SECONDS if stalled_after is None else stalled_after
    due = issuances_waiting().filter(
        Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, state_changed_at__lte=now - timedelta(seconds=stalled_after))
    )
    rows = _rows_from_place(due, part="issuances", order=("state_changed_at", "pk"), fields=("organization_id",),
                            limit=limit, resume=resume)
    broker = queue_broker()

    def requeue(row):
        _, issuance_id, organization_id = row
        turn_push(kind=Kind.ISSUANCE, ref=issuance_id, organization_id=organization_id)  # a waiting turn keeps its place
        async_task(ADVANCE_TASK, str(issuance_id), broker=broker)

    handled = _handle_rows(rows, part="issuances", limit=limit, stop=stop, resume=resume, handle=requeue)
    return [issuance_id for _, issuance_id, _ in handled]


def completion_events_sweep(*, stalled_after: int | None = None, limit: int = 1000, stop: Callable[[], bool] = _never,
                            resume: bool = False) -> list:
    """Re-queue received events that no worker processed for `stalled_after` seconds, and those whose retry is due.

    The task is queued after the event's row commits; if the broker refused it then (Redis down) or
    a worker popped it from Redis and died, the event would wait forever. Processing is idempotent,
    so an event that was merely waiting in a long queue costs one no-op task.
    """
    stalled_after = settings.LAUREL_EVENT_STALL_SECONDS if stalled_after is None else stalled_after
    now = timezone.now()
    cutoff = now - timedelta(seconds=stalled_after)
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, received_at__lte=cutoff)
    rows = _rows_from_place(CompletionEvent.objects.filter(due, status=CompletionEvent.Status.ACCEPTED), part="events",
                            order=("received_at", "pk"), fields=("source__organization_id",), limit=limit, resume=resume)
    broker = queue_broker()

    def requeue(row):  # one task each: a single event's task carries its issuance on to the email
        _, event_id, organization_id = row
        turn_push(kind=Kind.EVENT, ref=event_id, organization_id=organization_id)
        async_task(PROCESS_TASK, str(event_id), broker=broker)

    handled = _handle_rows(rows, part="events", limit=limit, stop=stop, resume=resume, handle=requeue)
    return [event_id for _, event_id, _ in handled]


def turns_sweep(*, limit: int = 1000, stop: Callable[[], bool] = _never) -> int:
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
            if queued and stop():
                return queued  # the turns still waiting are older still next minute: the next run takes them first
            async_task(task, ref, broker=broker)
            queued += 1
    return queued
