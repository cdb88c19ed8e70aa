"""Reconcile: ask the sender for every completion in a window and replay the ones Laurel lacks.

It is a poll with a window instead of the cursor (which it leaves alone), whose new events are
processed at once, through the same validation, exception queue, rules and pipeline as any event,
so the report can say how many ended parked. Run twice, the second run finds everything known.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ..models import CompletionEvent, Source
from ..sources.polling import PollWindow
from ..step_queue import issuances_started_here
from ..worker import issuance_started_advance
from .polling import PollReport, source_poll
from .processing import completion_event_process_guarded


@dataclass
class ReconcileReport:
    poll: PollReport
    parked: int

    def summary(self) -> str:
        text = f"found {self.poll.found} · already known {self.poll.known} · new {self.poll.new} · parked {self.parked}"
        if self.poll.outcome != "done":
            text += f" · {self.poll.outcome}: {self.poll.detail}"
        return text


def window_from_dates(*, since: date, until: date | None) -> PollWindow:
    """Whole days in UTC: from since at 00:00 to the end of until (both days included)."""
    start = datetime.combine(since, time.min, tzinfo=timezone.utc)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=timezone.utc) if until else None
    return PollWindow(since=start, until=end)


def polled_events_process_now(*, event_ids: list) -> None:
    """Each event through intake and on through the pipeline in this process, as a webhook's task does."""
    for event_id in event_ids:
        with issuances_started_here() as started:
            status = completion_event_process_guarded(event_id=event_id)
        if status == CompletionEvent.Status.PROCESSED:  # committed: otherwise what it opened was rolled back
            for issuance in started:
                issuance_started_advance(issuance)


def source_reconcile(*, source: Source, window: PollWindow, dry_run: bool = False) -> ReconcileReport:
    poll = source_poll(source=source, window=window, dry_run=dry_run, enqueue=False)
    if not dry_run:
        polled_events_process_now(event_ids=poll.event_ids)
    parked = CompletionEvent.objects.filter(
        source=source, external_id__in=poll.external_ids, status=CompletionEvent.Status.PARKED
    ).count()
    return ReconcileReport(poll=poll, parked=parked)
