"""Storing what a source sent: raw bytes and headers first, once per webhook-id, work queued after commit."""

from contextlib import nullcontext

from django.db import IntegrityError, transaction

from ..models import CompletionEvent, Source
from ..sources.base import json_parse
from ..bodies import webhook_body_parse
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


# Never kept, whatever a configuration names: they carry a credential as it is.
NEVER_KEPT = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def request_headers_kept(meta: dict, *, also: tuple[str, ...] = ()) -> dict:
    """The fixed list, and the headers a source's configuration names (`Dialect.headers_kept`: a mapped
    sender's signature header), so that a stored delivery can be checked again; never a credential."""
    kept = {name: meta[key] for name, key in KEPT_HEADERS.items() if meta.get(key)}
    for name in (header.strip().lower() for header in also if header):
        key = "HTTP_" + name.upper().replace("-", "_")
        if name not in NEVER_KEPT and meta.get(key):
            kept[name] = meta[key]
    return kept


def completion_events_store(*, events: list[CompletionEvent]) -> list[CompletionEvent]:
    """Store each unsaved event unless its source holds its external id already; returns those stored now.

    The one duplicate rule of every channel (a retried webhook, a form sent twice, a page polled again,
    a CSV file imported again): the unique (source, external_id) constraint answers it, with no look-up
    first. One event is one INSERT: outside a transaction it commits on its own, without a BEGIN and a
    COMMIT around it (two of a webhook request's four round trips to PostgreSQL); inside one, atomic()
    adds a savepoint so that the enclosing transaction stays usable after the IntegrityError. Several
    (a CSV batch) are one INSERT that skips the rows another request stored first.
    """
    if len(events) == 1:
        in_transaction = transaction.get_connection().in_atomic_block
        try:
            with transaction.atomic() if in_transaction else nullcontext():
                events[0].save(force_insert=True)
        except IntegrityError:
            return []  # stored before, by a retry's first attempt or a request racing with us
        return events
    with transaction.atomic():
        CompletionEvent.objects.bulk_create(events, ignore_conflicts=True)
        # The ids are made here (UUIDs), so the rows skipped as conflicts are the ones not found.
        stored = set(CompletionEvent.objects.filter(pk__in=[event.pk for event in events]).values_list("pk", flat=True))
    return [event for event in events if event.pk in stored]


def completion_events_known(*, source: Source, external_ids: list[str]) -> set[str]:
    """Those of `external_ids` already stored for `source`: what a preview counts as already received."""
    return set(CompletionEvent.objects.filter(source=source, external_id__in=external_ids).values_list("external_id", flat=True))


def webhook_event_store(
    *, source: Source, message_id: str, headers: dict, body: bytes, parse=json_parse, completion_key: str = ""
) -> tuple[CompletionEvent, str]:
    """Store a signed request. Returns the event and `accepted`, `duplicate` or `parked` (not usable JSON).

    `parse` is the dialect's reading of the body (JSON, or a JWT's claims for Canvas), bounded as
    `webhook_body_parse` says; `completion_key` is the dialect's name for the completion (IncomingEvent).
    """
    event = CompletionEvent(source=source, external_id=message_id, channel=CompletionEvent.Channel.WEBHOOK,
                            headers=headers, body=body, completion_key=completion_key[:300])
    if not completion_events_store(events=[event]):
        return CompletionEvent.objects.get(source=source, external_id=message_id), "duplicate"
    # Only now is anything parsed: the bytes are already stored. A crash from here on leaves the
    # event `accepted` with nothing queued, which the sweep re-queues (LAUREL_EVENT_STALL_SECONDS).
    _, error = webhook_body_parse(body, parse=parse)
    if error:
        with transaction.atomic():
            event_park(event=event, errors=[error], actor_label=source.slug)
        return event, "parked"
    completion_events_enqueue(event_ids=[event.pk], organization_id=source.organization_id)
    return event, "accepted"
