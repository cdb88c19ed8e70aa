"""One request from a source, whatever its dialect: authenticate, split into events, store, answer.

The dialect decides everything sender-specific; this function holds the order that never changes:
nothing is stored before the request is authenticated, and every event is stored before it is
processed (in the worker).
"""

import logging
from dataclasses import dataclass, field

from ..models import Source
from ..sources import dialect_get
from ..sources.base import InboundRequest, RequestRefused
from .ratelimit import source_rate_limit_exceeded
from .receive import request_headers_kept, webhook_event_store

logger = logging.getLogger(__name__)


@dataclass
class IntakeReply:
    status: int
    body: object
    headers: dict = field(default_factory=dict)


def source_request_receive(*, source: Source, path: str, body: bytes, meta: dict, path_token: str = "") -> IntakeReply:
    dialect = dialect_get(source.dialect).configured(source.settings)
    headers = dict(dialect.response_headers)
    if path_token and not dialect.secret_address:
        return IntakeReply(404, {"detail": f"Source {source.slug!r} has no secret address; it receives at …/{dialect.path}."}, headers)
    if path != dialect.path:
        return IntakeReply(404, {"detail": f"Source {source.slug!r} ({dialect.name}) receives at …/{dialect.path}, not …/{path}."}, headers)
    if not dialect.content_type_accepted(meta.get("CONTENT_TYPE", "")):
        return IntakeReply(415, {"detail": f"Send the event as Content-Type: {dialect.content_type_expected}."}, headers)
    request = InboundRequest(body=body, meta=meta, remote_addr=str(meta.get("REMOTE_ADDR", "")), path_token=path_token)
    try:
        verified = dialect.request_authenticate(source=source, request=request)
        # A dialect may refuse a request once it has read its events too (xAPI: an id stored with another statement, 409).
        events = dialect.request_events(source=source, request=request, verified=verified)
    except RequestRefused as exc:
        logger.info("source %s refused %s: %s", source.slug, exc.status, exc.detail)  # never the body
        if exc.status == 401 and dialect.authentication_challenge:
            headers["WWW-Authenticate"] = dialect.authentication_challenge
        return IntakeReply(exc.status, {"detail": exc.detail}, headers)
    most = min(source.max_events_per_request, source.rate_limit_per_minute)  # more could never be admitted
    if len(events) > most:
        return IntakeReply(413, {"detail": f"This request carries {len(events)} events; source {source.slug!r} takes at most "
                                 f"{most} per request. Nothing was stored: send them in smaller batches."}, headers)
    retry_after = source_rate_limit_exceeded(source=source, events=len(events))
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
        return IntakeReply(429, {"detail": f"Source {source.slug!r} is over {source.rate_limit_per_minute} events a minute."}, headers)
    kept = request_headers_kept(meta, also=dialect.headers_kept())
    stored = [
        webhook_event_store(source=source, message_id=event.external_id, headers=kept, body=event.body, parse=dialect.payload_parse,
                            completion_key=event.completion_key)
        for event in events
    ]
    status, reply = dialect.reply(stored=stored, request=request)
    return IntakeReply(status, reply, headers)
