"""Queue entry points for intake. Tasks load by id and call the service; nothing else lives here."""

from ..models import Source
from ..periodic import periodic_run
from ..step_queue import issuances_started_here
from ..step_queue import Kind, turn_take
from ..worker import issuance_advance_steps
from .polling import PollNotPossible, source_poll, source_poll_due
from .processing import completion_event_process_guarded


def completion_events_process(*event_ids: str) -> dict:
    """Tokens (issuance/step_queue.py): process, one at a time, the events whose organisation's turn it is.

    Once no event waits for its turn, the events this task was queued with are processed directly
    (their turns were taken by other tasks, and processing twice is harmless; or they were queued
    without a turn, by a sweep or before turns existed).
    """
    if len(event_ids) == 1:  # a webhook's event: its issuance goes on in this task, no second queue hop
        with issuances_started_here() as started:
            status = completion_event_process_guarded(event_id=turn_take(kind=Kind.EVENT) or event_ids[0])
        for issuance_id in started:
            issuance_advance_steps(issuance_id=issuance_id)
        return {status: 1}
    outcome: dict[str, int] = {}
    course_cache: dict = {}  # one task's events mostly name the same few courses
    for position, event_id in enumerate(event_ids):
        taken = turn_take(kind=Kind.EVENT)
        if taken is None:  # no turn waits: the rest of this task's own events
            for own in event_ids[position:]:
                status = completion_event_process_guarded(event_id=own, course_cache=course_cache)
                outcome[status] = outcome.get(status, 0) + 1
            break
        status = completion_event_process_guarded(event_id=taken, course_cache=course_cache)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def source_poll_scheduled(slug: str) -> str:
    """A source's schedule: poll it unless it is parked or backing off (another worker's poll holds the lease)."""
    with periodic_run(name=f"poll-{slug}") as budget:
        if budget is None:
            return "skipped: the previous poll is still running, or housekeeping has its share of workers"
        source = Source.objects.select_related("organization").filter(slug=slug, is_active=True).first()
        if source is None:
            return "no such active source"
        if not source_poll_due(source=source):
            return "not due (parked or backing off)"
        try:
            return source_poll(source=source).summary()
        except PollNotPossible as exc:
            return str(exc)
