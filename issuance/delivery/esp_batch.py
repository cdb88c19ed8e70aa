"""Many outbox emails in one call to Postmark's `POST /email/batch`, each email keeping its own outcome.

anymail's own batch send is one message to many recipients (only template data, metadata and headers
differ), so it cannot carry each learner's own body and certificate. Here anymail builds each email's
Postmark message as a single send would, the array goes out through anymail's session and error
handling, and anymail's Postmark parser reads each result, matched by position; anymail's pre_send and
post_send signals fire for each email as for a single send (docs/delivery.md, "Batch sending", has the
facts, what is unconfirmed, and why SendGrid sends each email alone).
"""

import json
import logging
import time
from urllib.parse import urljoin

import requests
from anymail.backends.postmark import EmailBackend as PostmarkBackend
from anymail.exceptions import AnymailAPIError, AnymailError
from anymail.message import AnymailStatus
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core.mail import EmailMessage

from .transport import TransportError, _anymail_error, esp_said, _connection_kept, _kept, transport_forget, transport_send

logger = logging.getLogger(__name__)
POSTMARK_BACKEND = "anymail.backends.postmark.EmailBackend"
POSTMARK_BATCH_MESSAGES = 500


def email_batch_size() -> int:
    """How many emails one call may carry with the configured backend: 1 where it has no batch send."""
    if settings.EMAIL_BACKEND != POSTMARK_BACKEND:
        return 1
    if get_anymail_setting("use_bulk_api", esp_name="Postmark", default=False):
        return 1  # anymail then sends every email through Postmark's bulk API, a different endpoint
    return max(1, min(settings.LAUREL_EMAIL_BATCH_SIZE, POSTMARK_BATCH_MESSAGES))


class _BatchPayload:
    """What anymail's `post_to_esp` posts: the messages' own serialized payloads as one array to email/batch."""

    def __init__(self, payloads: list, bodies: list[str]):
        self.payloads, self.bodies = payloads, bodies

    def get_request_params(self, api_url: str) -> dict:
        params = self.payloads[0].get_request_params(api_url)  # anymail's method, headers and server token
        params.update(url=urljoin(api_url, "email/batch"), data="[" + ",".join(self.bodies) + "]")
        return params


def _one_answer(response: requests.Response, answer) -> requests.Response:
    """One message's result as a response of its own, the form anymail's Postmark parser reads."""
    one = requests.Response()
    one.status_code, one.reason, one.headers, one.encoding = response.status_code, response.reason, response.headers, "utf-8"
    one._content = json.dumps(answer).encode()
    one.url, one.request = response.url, response.request
    return one


def _json_or_none(response):
    try:
        return response.json() if isinstance(response, requests.Response) else None
    except ValueError:
        return None


def _said(answer) -> str:
    """Postmark's reason for one message, in its own words on one line."""
    return esp_said(answer) or repr(answer)


def _outcome(connection: PostmarkBackend, email: EmailMessage, payload, response: requests.Response, answer) -> str | TransportError:
    """The provider's id for an accepted email, or why it was not, from anymail's reading of its result."""
    one = _one_answer(response, answer)
    if getattr(email, "anymail_status", None) is None:
        email.anymail_status = AnymailStatus()
    email.anymail_status.esp_response = one
    try:
        email.anymail_status.set_recipient_status(connection.parse_recipient_status(one, payload, email))
    except AnymailError:  # an error anymail does not tie to a recipient (the sender, the content…)
        return TransportError(f"The email service refused the email: {_said(answer)}", permanent=True)
    _post_send(connection, email)
    mine = email.anymail_status.recipients.get(payload.to_emails[0].addr_spec)
    status = mine.status if mine is not None else "unknown"
    if status in ("rejected", "invalid"):
        return TransportError(f"The email service refused the recipient: {_said(answer)}", permanent=True)
    if status in ("sent", "queued") and mine.message_id:
        return str(mine.message_id)
    # Results are matched by position (Postmark's documented order); one naming another recipient
    # leaves this email's fate open.
    return TransportError(f"The email service's answer for this email in the batch does not name its recipient: {_said(answer)}",
                          permanent=False, outcome_unknown=True)


def email_batch_bytes() -> int:
    """The most bytes one batch call may post (LAUREL_EMAIL_BATCH_MAX_BYTES: Postmark's "up to 50 MB payload size,
    including attachments", read as 50,000,000, the smaller of the two readings of MB)."""
    return max(1, settings.LAUREL_EMAIL_BATCH_MAX_BYTES)


def _post_send(connection: PostmarkBackend, email: EmailMessage) -> None:
    """anymail's post_send for one email of the batch, as its own send fires it (before a refusal is raised).

    A receiver's error is logged, not raised: the email's outcome stands (Postmark has answered for it),
    and raising would lose the outcomes of the rest of the batch with it.
    """
    try:
        connection.run_post_send(email)
    except Exception:
        logger.exception("A post_send receiver failed for outbox email %s", getattr(email, "metadata", {}).get("outbox_id"))


def _chunks(items: list, *, size: int, max_bytes: int) -> list[list]:
    """`items` (index, payload, body) in calls of at most `size` messages and `max_bytes` posted: the JSON array as
    sent, attachments already base64-encoded in it, which is how Postmark measures its limit."""
    chunks, current, weight = [], [], 2  # the array's brackets
    for item in items:
        length = len(item[2].encode()) + 1  # the message and its comma
        if current and (len(current) >= size or weight + length > max_bytes):
            chunks.append(current)
            current, weight = [], 2
        current.append(item)
        weight += length
    return chunks + ([current] if current else [])


def _send_chunk(connection: PostmarkBackend, chunk: list) -> list[str | TransportError]:
    emails, payloads, bodies = zip(*chunk)
    try:
        response = connection.post_to_esp(_BatchPayload(list(payloads), list(bodies)), emails[0])
    except AnymailAPIError as exc:  # the call failed as a whole: each email is retried on its own schedule
        if exc.status_code is not None and 400 <= exc.status_code < 500 and exc.status_code not in (401, 403, 429):
            # The batch itself was refused (too large, malformed): none of it was sent, and each email's own
            # send, alone, is where Postmark says what it thinks of that email.
            said = esp_said(_json_or_none(exc.response)) or str(exc)
            return [TransportError(f"The email service refused the batch ({exc.status_code}): {said}", permanent=False)] * len(emails)
        return [_anymail_error(exc)] * len(emails)
    except AnymailError as exc:
        return [_anymail_error(exc)] * len(emails)
    try:
        answers = response.json()
    except ValueError:
        answers = None
    if not isinstance(answers, list):  # the batch itself was refused; none of it was sent
        said = _said(answers) if isinstance(answers, dict) else response.text[:300]
        return [TransportError(f"The email service refused the batch ({response.status_code}): {said}", permanent=False)] * len(emails)
    if len(answers) != len(emails):
        unknown = TransportError(f"The email service answered {len(answers)} results for {len(emails)} emails; "
                                 "which were accepted is unknown.", permanent=False, outcome_unknown=True)
        return [unknown] * len(emails)
    return [_outcome(connection, email, payload, response, answer)
            for email, payload, answer in zip(emails, payloads, answers)]


def transport_send_batch(*, emails: list[EmailMessage], connection=None) -> list[str | TransportError]:
    """Send `emails` in as few calls as the limits allow; for each, in order, its provider id or its own error.

    An email refused on its own fails alone; a call that fails as a whole (no answer, 5xx, 429, a bad
    token) gives each email in it that call's error. Without a batch send, each email goes alone.
    """
    owned = connection is None
    connection = connection or _connection_kept()
    if not isinstance(connection, PostmarkBackend):
        return [_alone(email, connection=None if owned else connection) for email in emails]
    kept = connection is _kept.connection
    outcomes: list[str | TransportError] = [""] * len(emails)
    try:
        connection.open()
        built = []
        for index, email in enumerate(emails):
            try:
                # As anymail's own send does for each message: a fresh status, then pre_send, whose receivers
                # may change the message or cancel it (AnymailCancelSend), before its payload is built.
                email.anymail_status = AnymailStatus()
                if not connection.run_pre_send(email):
                    outcomes[index] = TransportError("The email backend accepted nothing: a pre_send receiver cancelled it.",
                                                     permanent=False)
                    continue
                payload = connection.build_message_payload(email, connection.send_defaults)
                built.append((index, payload, payload.serialize_data()))
            except AnymailError as exc:  # this email cannot be put to Postmark; the others can
                outcomes[index] = _anymail_error(exc)
        max_bytes = email_batch_bytes()
        for chunk in _chunks(built, size=email_batch_size(), max_bytes=max_bytes):
            connection.open()  # a no-op with its session open; a fresh one if a single send below dropped it
            if len(chunk) == 1 and len(chunk[0][2].encode()) + 2 > max_bytes:
                # Too large for any batch: alone, through `POST /email`, whose own limit (10 MB) is Postmark's to apply.
                outcomes[chunk[0][0]] = _alone(emails[chunk[0][0]], connection=connection)
                continue
            results = _send_chunk(connection, [(emails[index], payload, body) for index, payload, body in chunk])
            for (index, _, _), result in zip(chunk, results):
                outcomes[index] = result
            if kept:
                _kept.sent += 1
    except BaseException:
        if kept:
            transport_forget()
        raise
    finally:
        if owned and not kept:
            connection.close()
    if kept:
        _kept.last_used = time.monotonic()
    return outcomes


def _alone(email: EmailMessage, *, connection) -> str | TransportError:
    try:
        return transport_send(email=email, connection=connection)
    except TransportError as exc:
        return exc
