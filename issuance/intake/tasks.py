"""Queue entry points for intake. Tasks load by id and call the service; nothing else lives here."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import CompletionEvent, Source
from ..periodic import periodic_run
from ..sources.polling import PollBudget
from ..step_queue import issuances_started_here, task_enqueue_at_raw
from ..step_queue import Kind, turn_take
from ..worker import issuance_started_advance
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
        if status == CompletionEvent.Status.PROCESSED:  # committed: otherwise what it opened was rolled back
            for issuance in started:
                issuance_started_advance(issuance)
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


POLL_TASK = "issuance.intake.tasks.source_poll_scheduled"
POLL_NEXT_RUN_AFTER = timedelta(seconds=2)  # the pause between two runs of a poll that ran out of time


def source_poll_scheduled(slug: str) -> str:
    """A source's schedule: poll it unless it is parked or backing off (another worker's poll holds the lease).

    A run stops after the first page it stores once LAUREL_POLL_RUN_SECONDS have gone, and queues its
    next run in POLL_NEXT_RUN_AFTER, which resumes from the cursor: a course's first pass goes on at
    once, in short runs between which the workers take other work. (Out of requests, or rate-limited,
    the poll waits for its schedule as before.)"""
    with periodic_run(name=f"poll-{slug}") as budget:
        if budget is None:
            return "skipped: the previous poll is still running, or housekeeping has its share of workers"
        source = Source.objects.select_related("organization").filter(slug=slug, is_active=True).first()
        if source is None:
            return "no such active source"
        if not source_poll_due(source=source):
            return "not due (parked or backing off)"
        run = PollBudget(max_requests=settings.LAUREL_POLL_MAX_REQUESTS,
                         max_seconds=min(settings.LAUREL_POLL_MAX_SECONDS, budget.left()),
                         hand_over_after=settings.LAUREL_POLL_RUN_SECONDS)
        try:
            report = source_poll(source=source, budget=run)
        except PollNotPossible as exc:
            return str(exc)
    if run.handed_over:  # queued once the leases are given back, so the next run can take them
        task_enqueue_at_raw(POLL_TASK, slug, due=timezone.now() + POLL_NEXT_RUN_AFTER)
        return report.summary() + "; the next run carries on in a moment"
    return report.summary()
