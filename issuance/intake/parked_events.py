"""Staff work on the exception queue: correct, reprocess and discard parked events."""

from django.db import transaction

from audit.services import audit_record

from ..models import CompletionEvent
from ..sources.base import CandidateCompletion
from .processing import completion_event_process


class NotParkedError(ValueError):
    """The event left the queue in the meantime (processed or discarded by someone else)."""


def _leave_queue(*, event_id, user, to_status: str, detail: str, corrections: dict | None = None,
                 discarded_reason: str | None = None) -> None:
    """Move a still-parked event out of the queue (locked, so two staff cannot both), and audit who did."""
    with transaction.atomic():
        event = CompletionEvent.objects.select_for_update(no_key=True).filter(pk=event_id).first()
        if event is None or event.status != CompletionEvent.Status.PARKED:
            raise NotParkedError(f"Event {event_id} is no longer parked.")
        fields = ["status", "failures", "enrichment_attempts", "next_attempt_at"]
        # Staff looked at it: a fresh count of unexpected errors and of tries at the sender's API.
        event.failures, event.enrichment_attempts, event.next_attempt_at = 0, 0, None
        if corrections is not None:
            event.corrections = {**event.corrections, **corrections}
            fields.append("corrections")
        if discarded_reason is not None:
            event.discarded_reason = discarded_reason
            fields.append("discarded_reason")
        event.status = to_status
        event.save(update_fields=fields)
        audit_record(
            event=event,
            from_state=CompletionEvent.Status.PARKED,
            to_state=to_status,
            actor_kind="staff",
            actor_user=user,
            actor_label=user.get_username(),
            detail=detail,
        )


def _reopen(*, event_id, user, detail: str, corrections: dict | None = None) -> None:
    _leave_queue(event_id=event_id, user=user, to_status=CompletionEvent.Status.ACCEPTED, detail=detail,
                 corrections=corrections)


def parked_event_reprocess(*, event_id, user) -> str:
    """Run a parked event through validation again, e.g. after a course mapping was added."""
    # One transaction: an event is never left `accepted` with nothing queued to move it.
    with transaction.atomic():
        _reopen(event_id=event_id, user=user, detail="Reprocessed from the exception queue.")
        return completion_event_process(event_id=event_id)


def parked_event_correct(*, event_id, user, corrections: dict) -> str:
    """Override the named fields (the raw body is kept as received) and reprocess."""
    unknown = set(corrections) - set(CandidateCompletion.CORRECTABLE)
    if unknown:
        raise ValueError(f"These fields cannot be corrected: {', '.join(sorted(unknown))}.")
    changed = ", ".join(f"{key}={value!r}" for key, value in sorted(corrections.items()))
    with transaction.atomic():
        _reopen(event_id=event_id, user=user, corrections=corrections, detail=f"Corrected {changed} and reprocessed.")
        return completion_event_process(event_id=event_id)


def parked_event_discard(*, event_id, user, reason: str) -> None:
    """Take an event out of the queue for good. It stays stored, with who discarded it and why."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why the event is discarded.")
    _leave_queue(event_id=event_id, user=user, to_status=CompletionEvent.Status.DISCARDED,
                 detail=f"Discarded: {reason}", discarded_reason=reason)
