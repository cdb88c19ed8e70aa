"""Storing what a source sent: raw bytes and headers first, once per webhook-id, work queued after commit."""

from contextlib import nullcontext

from django.db import IntegrityError, transaction

from ..models import CompletionEvent, Source
from ..sources.base import json_parse
from .body import webhook_body_parse
from .processing import completion_events_enqueue, event_park

# Headers worth keeping with the body: enough to re-verify and to trace the sender, nothing more.
KEPT_HEADERS = {
    "webhook-id": "HTTP_WEBHOOK_ID",
    "webhook-timestamp": "HTTP_WEBHOOK_TIMESTAMP",
    "webhook-signature": "HTTP_WEBHOOK_SIGNATURE",
    "x-thinkific-hmac-sha256": "HTTP_X_THINKIFIC_HMAC_SHA256",
    "x-thinkific-topic": "HTTP_X_THINKIFIC_TOPIC",
    "x-teachable-signature": "HTTP_X_TEACHABLE_SIGNATURE",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "user-agent": "HTTP_USER_AGENT",
    "x-forwarded-for": "HTTP_X_FORWARDED_FOR",
    "remote-addr": "REMOTE_ADDR",
}


def request_headers_kept(meta: dict) -> dict:
    return {name: meta[key] for name, key in KEPT_HEADERS.items() if meta.get(key)}


def webhook_event_store(
    *, source: Source, message_id: str, headers: dict, body: bytes, parse=json_parse
) -> tuple[CompletionEvent, str]:
    """Store a signed request. Returns the event and `accepted`, `duplicate` or `parked` (not usable JSON).

    `parse` is the dialect's reading of the body (JSON, or a JWT's claims for Canvas), bounded as
    `webhook_body_parse` says.

    No look-up first: the unique (source, external_id) constraint answers a duplicate. Outside a
    transaction the INSERT commits on its own, without a BEGIN and a COMMIT around it (two of a
    request's four round trips to PostgreSQL); inside one, atomic() adds a savepoint so that the
    enclosing transaction stays usable after the IntegrityError.
    """
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if in_transaction else nullcontext():
            event = CompletionEvent.objects.create(
                source=source,
                external_id=message_id,
                channel=CompletionEvent.Channel.WEBHOOK,
                headers=headers,
                body=body,
            )
    except IntegrityError:
        # This webhook-id was stored before, by a retry's first attempt or a request racing with us.
        return CompletionEvent.objects.get(source=source, external_id=message_id), "duplicate"
    # Only now is anything parsed: the bytes are already stored. A crash from here on leaves the
    # event `accepted` with nothing queued, which the sweep re-queues (LAUREL_EVENT_STALL_SECONDS).
    _, error = webhook_body_parse(body, parse=parse)
    if error:
        with transaction.atomic():
            event_park(event=event, errors=[error], actor_label=source.slug)
        return event, "parked"
    completion_events_enqueue(event_ids=[event.pk])
    return event, "accepted"
