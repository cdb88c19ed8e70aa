"""The worker's half of intake: read a stored event, adapt its dialect, validate, start or park."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from audit.services import audit_record

from ..models import CompletionEvent
from ..pipeline import issuance_start
from ..sources import EnrichmentFailed, FieldError, NotACompletion, adapter_for_event
from ..sources.base import json_parse
from ..step_queue import queue_broker
from ..step_queue import Kind, turn_push
from ..typed_in import typed_in_by_event
from ..errors import text_storable
from ..bodies import webhook_body_parse
from .validation import completion_validate

logger = logging.getLogger(__name__)

PROCESS_TASK = "issuance.intake.tasks.completion_events_process"
TASK_BATCH = 200


def completion_events_enqueue(*, event_ids: list, organization_id: int | None = None) -> None:
    """Queue processing, in the organisation's turn, once the events are committed (a rolled-back insert queues nothing).

    Each event waits for its turn (issuance/step_queue.py); a task carries up to TASK_BATCH turns' tokens.
    """
    if event_ids and organization_id is None:
        organization_id = (CompletionEvent.objects.filter(pk=event_ids[0])
                           .values_list("source__organization_id", flat=True).first())
    ids = [str(event_id) for event_id in event_ids]
    for event_id in ids:
        turn_push(kind=Kind.EVENT, ref=event_id, organization_id=organization_id)
    for start in range(0, len(ids), TASK_BATCH):
        batch = ids[start : start + TASK_BATCH]
        transaction.on_commit(lambda batch=batch: async_task(PROCESS_TASK, *batch, broker=queue_broker()), robust=True)


def event_payload(event: CompletionEvent, parse=json_parse):
    """The parsed body, or the error that makes it unreadable."""
    return webhook_body_parse(bytes(event.body), parse=parse)


def candidate_label(candidate) -> str:
    """Who a completion is about, as its sender gave it: "Leo King <leo.king@…>", a name or an address, or ""."""
    if candidate is None:
        return ""
    name = candidate.name if isinstance(candidate.name, str) and candidate.name.strip() else " ".join(
        part for part in (candidate.given_name, candidate.family_name) if isinstance(part, str) and part.strip())
    email = candidate.email.strip() if isinstance(candidate.email, str) else ""
    label = f"{name.strip()} <{email}>" if name.strip() and email else (name.strip() or email)
    return text_storable(" ".join(label.split()))[:300]


def event_park(*, event: CompletionEvent, errors: list[FieldError], actor_label: str, candidate=None) -> None:
    previous = event.status
    event.status = CompletionEvent.Status.PARKED
    event.learner_label = candidate_label(candidate) or event.learner_label
    event.errors = [error.to_json() for error in errors]
    event.park_reason = errors[0].code  # whole: a code cut short filters as another reason
    # When it first waited for a person: a staff correction that is still wrong leaves it where it was in
    # the queue's age bands, rather than making it look new.
    event.parked_at = event.parked_at or timezone.now()
    event.staff_notified_at = None
    event.save(update_fields=["status", "errors", "park_reason", "parked_at", "staff_notified_at", "learner_label"])
    audit_record(
        event=event,
        from_state=previous,
        to_state=event.status,
        actor_kind="system",
        actor_label=actor_label,
        detail="; ".join(f"{error.field}: {error.message}" for error in errors),
    )


def event_ignore(*, event: CompletionEvent, reason: str, actor_label: str) -> None:
    """A genuine event that is no completion: kept, counted, never in the exception queue."""
    previous = event.status
    event.status = CompletionEvent.Status.IGNORED
    event.ignored_reason = reason[:300]
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "ignored_reason", "processed_at"])
    audit_record(event=event, from_state=previous, to_state=event.status, actor_kind="system", actor_label=actor_label, detail=f"Ignored: {reason}")


def event_enrichment_retry(*, event: CompletionEvent, failure: EnrichmentFailed, actor_label: str) -> str:
    """The sender's API failed for a passing reason: ask again after the next wait, or park once they are used up.

    The event stays `accepted` while it waits; the sweep queues it again at `next_attempt_at`. The
    bound is LAUREL_ENRICHMENT_RETRY_SECONDS: one try more than it has waits.
    """
    waits = list(settings.LAUREL_ENRICHMENT_RETRY_SECONDS)
    attempts = event.enrichment_attempts + 1
    event.enrichment_attempts = attempts
    if attempts > len(waits):
        event.next_attempt_at = None
        event.save(update_fields=["enrichment_attempts", "next_attempt_at"])
        message = f"{failure.message} Tried {attempts} times since {event.received_at:%Y-%m-%d %H:%M} UTC; reprocess once it answers."
        event_park(event=event, errors=[FieldError(failure.field, message, failure.code)], actor_label=actor_label)
        return event.status
    wait = waits[attempts - 1]
    event.next_attempt_at = timezone.now() + timedelta(seconds=wait)
    event.errors = [failure.to_field_error().to_json()]  # why it waits, for the event's admin page
    event.save(update_fields=["enrichment_attempts", "next_attempt_at", "errors"])
    audit_record(
        event=event, from_state=event.status, to_state=event.status, actor_kind="system", actor_label=actor_label,
        detail=f"Try {attempts} of {len(waits) + 1} at the sender's API failed, trying again in {wait} s: {failure.message}",
    )
    return "retrying"


def event_read(event: CompletionEvent):
    """(candidate, errors, ignored reason, passing failure): the dialect's reading and enrichment, with no lock held.

    Enrichment may call the sender's API; it runs before the row is locked, so a slow LMS holds no
    database lock. Staff corrections apply before it (an address staff gave is not looked up) and
    after it (what staff typed wins over what the LMS says).
    """
    adapter = adapter_for_event(event)
    payload, error = event_payload(event, parse=adapter.payload_parse)
    if error:
        return None, [error], None, None
    try:
        candidate, errors = adapter.adapt(payload)
    except NotACompletion as exc:
        return None, [], str(exc), None
    candidate.with_corrections(event.corrections or {})
    if not errors:
        try:
            adapter.enrich(source=event.source, candidate=candidate, payload=payload)
        except EnrichmentFailed as exc:
            if exc.transient:
                return None, [], None, exc
            # Only the cause: what it left empty (an invalid token leaves email and name unread) is no fault of its own.
            return None, [exc.to_field_error()], None, None
        candidate.with_corrections(event.corrections or {})
    return candidate, errors, None, None


def completion_event_process(*, event_id, course_cache: dict | None = None) -> str:
    """Claim an accepted event and carry it to `processed`, `ignored` or `parked`. Running it twice is harmless."""
    unlocked = CompletionEvent.objects.select_related("source__organization").filter(pk=event_id).first()
    if unlocked is None or unlocked.status != CompletionEvent.Status.ACCEPTED:
        return unlocked.status if unlocked else "missing"
    if unlocked.next_attempt_at and unlocked.next_attempt_at > timezone.now():
        return "waiting"  # an early copy of its task: the sweep queues it when its wait is over
    candidate, errors, ignored, passing_failure = event_read(unlocked)
    with transaction.atomic():
        # The row lock (PostgreSQL) or the IMMEDIATE write lock (SQLite) makes concurrent runs queue
        # up here; whoever comes second finds the event no longer `accepted` and stops.
        event = (
            CompletionEvent.objects.select_for_update(no_key=True, of=("self",))
            .select_related("source__organization")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.status != CompletionEvent.Status.ACCEPTED:
            return event.status if event else "missing"
        source = event.source
        if passing_failure:
            return event_enrichment_retry(event=event, failure=passing_failure, actor_label=source.slug)
        if ignored:
            event_ignore(event=event, reason=ignored, actor_label=source.slug)
            return event.status
        if candidate is None:
            event_park(event=event, errors=errors, actor_label=source.slug)
            return event.status
        completion, field_errors = completion_validate(
            source=source, candidate=candidate, channel=event.channel, course_cache=course_cache
        )
        errors = errors + field_errors
        if errors:
            event_park(event=event, errors=errors, actor_label=source.slug, candidate=candidate)
            return event.status
        issuance_start(completion=completion, event=event, actor_label=source.slug, typed_in=typed_in_by_event(event))
        event.status = CompletionEvent.Status.PROCESSED
        event.errors = []
        event.park_reason = ""  # why it once waited is in its audit trail, not a label on a processed event
        event.processed_at = timezone.now()
        event.next_attempt_at = None
        event.learner_label = candidate_label(candidate)  # for finding it by the learner in Events received
        event.save(update_fields=["status", "errors", "park_reason", "processed_at", "next_attempt_at", "learner_label"])
        return event.status


def completion_event_process_guarded(*, event_id, course_cache: dict | None = None) -> str:
    """`completion_event_process`, with an unexpected error counted instead of raised.

    The error is logged and rolled back; the sweep tries the event again later. On the
    LAUREL_POISON_FAILURES-th error the event is parked with the error's summary, so one event that
    always crashes the worker ends in the exception queue rather than being retried for ever.
    """
    try:
        return completion_event_process(event_id=event_id, course_cache=course_cache)
    except Exception as exc:
        logger.exception("completion event %s: processing failed", event_id)
        return completion_event_failure_record(event_id=event_id, exc=exc)


def completion_event_failure_record(*, event_id, exc: Exception) -> str:
    summary = text_storable(f"{type(exc).__name__}: {exc}")[:500]
    with transaction.atomic():
        event = CompletionEvent.objects.select_for_update(no_key=True, of=("self",)).select_related("source").filter(pk=event_id).first()
        if event is None or event.status != CompletionEvent.Status.ACCEPTED:
            return event.status if event else "missing"
        event.failures += 1
        if event.failures < settings.LAUREL_POISON_FAILURES:
            event.save(update_fields=["failures"])
            return "failed"
        event.save(update_fields=["failures"])
        message = f"Processing failed {event.failures} times with an unexpected error: {summary}"
        event_park(event=event, errors=[FieldError("body", message, "processing_failed")], actor_label=event.source.slug)
        return event.status
