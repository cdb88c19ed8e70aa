"""The sample panel's reading of a pasted delivery: whether it authenticates, which events it holds, the completion each would make.

Nothing is stored and nothing is queued: the same dialect methods the intake and the worker call,
run on bytes staff paste. The sample signature is what the sender would put in its header for
these bytes under the source's secret, so staff can compare it with what their system sends.
"""

import copy
import time

from courses.models import Course

from ..bodies import webhook_body_parse
from ..models import CompletionEvent
from ..sources.base import InboundRequest, NotACompletion, RequestRefused
from ..sources.registry import DIALECTS
from ..sources.signatures import SignatureError, SignedHeaders, hmac_digest, keyed_hash_digest, signature_compute, signature_verify
from .validation import completion_validate


def _meta(headers: dict, content_type: str) -> dict:
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    meta["CONTENT_TYPE"] = content_type or headers.get("Content-Type", "") or "application/json"
    return meta


def headers_parse(text: str) -> dict:
    """`Name: value` per line, as a browser's or a system's log shows them."""
    headers = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


def sample_signature(*, auth: dict, secret: str, body: bytes, headers: dict) -> str:
    """What the sender would send for these bytes under `secret`; empty for schemes whose proof is the secret itself."""
    if not secret:
        return ""
    scheme = auth["scheme"]
    if scheme == "hmac":
        content = body
        if auth["signed"] == "timestamp.body":
            content = (headers.get(auth["timestamp_header"]) or str(int(time.time()))).encode() + b"." + body
        return f"{auth['header']}: {auth['prefix']}" + hmac_digest(key=secret, content=content, algorithm=auth["algorithm"], encoding=auth["encoding"])
    if scheme == "hash_body_secret":
        return f"{auth['header']}: {auth['prefix']}" + keyed_hash_digest(key=secret, content=body, algorithm=auth["algorithm"], encoding=auth["encoding"])
    if scheme == "standard_webhooks":
        message_id = headers.get("webhook-id") or "msg_sample"
        stamp = headers.get("webhook-timestamp") or str(int(time.time()))
        try:
            return f"webhook-signature: {signature_compute(secret=secret, message_id=message_id, timestamp=stamp, body=body)} (webhook-id {message_id}, webhook-timestamp {stamp})"
        except ValueError:
            return ""
    return ""


def _event_entry(*, dialect, source, external_id: str, body: bytes) -> dict:
    """One event as the worker would read it: ignored (and why), the completion it would make, or the errors field by field."""
    entry = {"event_id": external_id, "ignored": "", "errors": [], "completion": None}
    payload, error = webhook_body_parse(body, parse=dialect.payload_parse)
    try:
        candidate, errors = (None, [error]) if error else dialect.adapt(payload)
    except NotACompletion as exc:
        entry["ignored"] = str(exc)
        return entry
    if candidate is not None and not errors:
        completion, errors = completion_validate(source=source, candidate=candidate, channel=CompletionEvent.Channel.WEBHOOK)
        if completion is not None:
            entry["completion"] = {"email": completion.email, "name": completion.name, "course": Course.objects.get(pk=completion.course_id).code,
                                   "completed_at": completion.completed_at.isoformat(), "score": completion.score,
                                   "attendance": completion.attendance, "learner_id": completion.learner_external_id,
                                   "extra": completion.extra}
    entry["errors"] = [f"{e.field}: {e.message}" for e in errors]
    return entry


def _dialect(source, mapping):
    return DIALECTS["mapped"].configured({"mapping": mapping} if mapping is not None else source.settings)


def mapped_sample_read(*, source, body: bytes, headers: dict, content_type: str = "", mapping: dict | None = None) -> dict:
    """A pasted delivery read as the intake and the worker would; `mapping`, when given, is a draft (valid) mapping to read it with."""
    dialect = _dialect(source, mapping)
    if dialect.mapping is None:
        return {"authenticated": False, "auth_detail": "The saved mapping is not valid; fix it first.", "signature": "", "events": []}
    lowered = {name.lower(): value for name, value in headers.items()}
    request = InboundRequest(body=body, meta=_meta(headers, content_type), remote_addr="",
                             path_token=source.signing_secret if dialect.secret_address else "")
    report = {"signature": sample_signature(auth=dialect.mapping["auth"], secret=source.signing_secret, body=body, headers=lowered), "events": []}
    if dialect.mapping["auth"].get("allowed_addresses"):
        dialect.mapping = {**dialect.mapping, "auth": {**dialect.mapping["auth"], "allowed_addresses": None}}  # a paste has no sender address
    try:
        verified = dialect.request_authenticate(source=source, request=request)
        report.update(authenticated=True, auth_detail="Authenticates with this source's secret.")
    except RequestRefused as exc:
        verified = (dialect._read(request), None)
        report.update(authenticated=False, auth_detail=f"Would be refused ({exc.status}): {exc.detail}")
    for incoming in dialect.request_events(source=source, request=request, verified=verified):
        report["events"].append(_event_entry(dialect=dialect, source=source, external_id=incoming.external_id, body=incoming.body))
    return report


def mapped_event_read(*, source, event, mapping: dict | None = None) -> dict:
    """A delivery this source received, read again as its stored event, with the saved or a draft mapping.

    It was authenticated when it arrived (nothing unauthenticated is stored). Where its stored bytes are
    the bytes that were signed and its signature header was kept (`headers_kept`), the signature is
    checked again with the source's secret; otherwise it is not. The sample signature is that of the stored bytes.
    """
    dialect = _dialect(source, mapping)
    if dialect.mapping is None:
        return {"authenticated": False, "auth_detail": "The saved mapping is not valid; fix it first.", "signature": "", "events": []}
    body = bytes(event.body)
    received = f"Authenticated when it was received, {event.received_at:%Y-%m-%d %H:%M:%S} UTC"
    authenticated, detail = True, f"{received} (its signature was not kept with it, so it is not checked again)."
    recheck = _stored_signature_check(dialect=dialect, source=source, event=event, body=body)
    if recheck is not None:
        authenticated = recheck == ""
        detail = f"{received}; its kept signature still matches this source's secret." if authenticated else \
            f"{received}, but its kept signature no longer matches: {recheck}"
    return {"authenticated": authenticated, "signature": sample_signature(auth=dialect.mapping["auth"], secret=source.signing_secret, body=body, headers={}),
            "auth_detail": detail, "events": [_event_entry(dialect=dialect, source=source, external_id=event.external_id, body=body)]}


def _stored_signature_check(*, dialect, source, event, body: bytes) -> str | None:
    """"" if the kept signature headers match the stored bytes with the source's secret, why not if they do
    not, None if it cannot be checked: a scheme without such headers, or a body Laurel rewrote (a form, a
    batch). A signature over a timestamp is checked at the time it names: its freshness was checked on
    arrival, and the secret is what this answers for."""
    auth, kept = dialect.mapping["auth"], {name.lower(): value for name, value in (event.headers or {}).items()}
    if dialect.mapping["body"]["format"] != "json" or dialect.mapping["body"]["events_path"] is not None:
        return None
    if auth["scheme"] == "standard_webhooks":
        return _standard_webhooks_check(source=source, kept=kept, body=body)
    if auth["scheme"] not in ("hmac", "hash_body_secret") or not kept.get(auth["header"].lower()) \
            or (auth.get("signed", "body") == "timestamp.body" and not kept.get(str(auth.get("timestamp_header")).lower())):
        return None
    request = InboundRequest(body=body, meta=_meta(kept, kept.get("content-type", "")), remote_addr="")
    checking = copy.copy(dialect)
    # The address was checked on arrival, and so was the timestamp's freshness.
    checking.mapping = {**dialect.mapping, "auth": {**auth, "allowed_addresses": None, "tolerance_seconds": float("inf")}}
    try:
        checking.request_authenticate(source=source, request=request)
    except RequestRefused as exc:
        return exc.detail
    return ""


STANDARD_WEBHOOKS_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")  # kept with every event (receive.py)


def _standard_webhooks_check(*, source, kept: dict, body: bytes) -> str | None:
    headers = SignedHeaders(*(kept.get(name, "") for name in STANDARD_WEBHOOKS_HEADERS))
    if not all((headers.message_id, headers.timestamp, headers.signature)):
        return None
    try:
        signature_verify(secrets=[key for key in (source.signing_secret, source.signing_secret_next) if key], headers=headers,
                         body=body, now=float(headers.timestamp))
    except (SignatureError, ValueError) as exc:
        return str(exc)
    return ""
