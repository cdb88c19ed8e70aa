"""Hands one outbox row to the configured email backend and says, in one error type, what went wrong.

The backend is whatever settings chose (the .eml files backend, SMTP, or a django-anymail ESP);
this module only knows how each of them reports failure.
"""

import base64
import os
import secrets
import smtplib
import threading
import time
from datetime import datetime, timezone
from email.mime.base import MIMEBase
from email.utils import format_datetime

import requests
from anymail.backends.base_requests import AnymailRequestsBackend
from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from ..models import OutboxMessage
from ..email.addresses import recipient_header


class TransportError(Exception):
    """A send that did not go through.

    `permanent`: retrying cannot help (the recipient or the message was refused).
    `outcome_unknown`: the provider may have accepted it before the answer was lost (a timeout after
    the request was sent); sending again may duplicate it.
    """

    def __init__(self, message: str, *, permanent: bool, outcome_unknown: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.outcome_unknown = outcome_unknown


class OutboxEmail(EmailMultiAlternatives):
    """A Django email whose MIME boundaries are chosen when it is built, not searched for when it is written.

    Left unset, the generator picks one and then scans the whole encoded message (the ~110 KB of a
    certificate) for it with a freshly compiled regex, once per multipart: that cost as much as
    encoding the attachment. 128 random bits do not turn up in a text by chance, and neither base64
    nor quoted-printable can produce the "=_" that starts them.
    """

    def message(self):
        msg = super().message()
        if "Date" not in self.extra_headers:
            # Django writes UTC as "-0000", which RFC 5322 reads as "local zone unknown"; "+0000" says
            # UTC. Set on the MIME message only: an email service's API takes no Date of ours.
            msg.replace_header("Date", format_datetime(datetime.now(timezone.utc)))
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{secrets.token_hex(16)}")
        return msg


def email_attachment_part(*, content: bytes, filename: str, mimetype: str) -> MIMEBase:
    """The part Django would build for this attachment, base64-encoded in one pass.

    Django hands the bytes to the stdlib as a surrogate-escaped string and encodes it back before
    base64, three copies of the file; here the bytes go to base64 directly. The filename is
    RFC 2231-encoded when it is not ASCII, as Django does.
    """
    maintype, _, subtype = mimetype.partition("/")
    part = MIMEBase(maintype, subtype)
    part.set_payload(base64.encodebytes(content).decode("ascii"))  # what email.encoders.encode_base64 writes
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment",
                    filename=filename if filename.isascii() else ("utf-8", "", filename))
    return part


def outbox_email(*, message: OutboxMessage) -> OutboxEmail:
    """The row as a Django email, its attachments read from storage now (they are stored by reference)."""
    email = OutboxEmail(
        subject=message.subject,
        body=message.text_body,
        from_email=message.from_email,
        to=[recipient_header(name=message.recipient_name, address=message.recipient)],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=dict(message.headers),
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachments:
        try:
            with default_storage.open(attachment["path"], "rb") as stored:
                content = stored.read()
        except OSError as exc:
            raise TransportError(f"Attachment {attachment['path']} cannot be read: {exc}", permanent=True) from exc
        filename, mimetype = attachment["filename"], attachment["mimetype"]
        if mimetype.startswith(("text/", "message/")):
            email.attach(filename, content, mimetype)  # Django's own handling: a charset, or a nested message
        else:
            email.attach(email_attachment_part(content=content, filename=filename, mimetype=mimetype))
    # ESPs carry metadata back in tracking events, which is how a bounce finds its row.
    email.metadata = {"outbox_id": str(message.pk)}
    return email


def _smtp_error(exc: smtplib.SMTPException) -> TransportError:
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # no SMTPUTF8 for a non-ASCII local part
        return TransportError(str(exc), permanent=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        said = "; ".join(f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                         for address, (code, text) in exc.recipients.items())
        return TransportError(f"The mail server refused the recipient: {said}", permanent=all(500 <= c < 600 for c in codes))
    if isinstance(exc, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)):
        # Our configuration, not this recipient: keep retrying while an operator fixes it.
        return TransportError(f"The mail server refused our login or sender: {exc}", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return TransportError(f"The mail server answered {exc.smtp_code} {text}", permanent=500 <= exc.smtp_code < 600)
    return TransportError(f"The mail server connection failed: {exc}", permanent=False)


def esp_said(answer) -> str:
    """An email service's reason for refusing one message, in its own words on one line (Postmark's Message and
    ErrorCode; another service's `message`), or "" when its answer gives none."""
    if not isinstance(answer, dict):
        return ""
    words = " ".join(str(answer.get("Message") or answer.get("message") or "").split())
    code = answer.get("ErrorCode")
    return f"{words} (Postmark error {code})" if words and code is not None else words


def _refusal_said(exc: AnymailRecipientsRefused) -> str:
    """The service's own reason for refusing every recipient, when its answer is there to read; anymail's sentence otherwise."""
    try:
        said = esp_said(exc.response.json()) if isinstance(exc.response, requests.Response) else ""
    except ValueError:
        said = ""
    return said or str(exc)


def _anymail_error(exc: AnymailError) -> TransportError:
    if isinstance(exc, AnymailRecipientsRefused):
        return TransportError(f"The email service refused the recipient: {_refusal_said(exc)}", permanent=True)
    if isinstance(exc, AnymailRequestsAPIError) and exc.status_code is None:
        if isinstance(exc, requests.ReadTimeout):
            return TransportError(f"The email service did not answer in time: {exc}", permanent=False, outcome_unknown=True)
        return TransportError(f"The email service could not be reached: {exc}", permanent=False)
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code or 0
        # 429 and 5xx are the provider's trouble; 401/403 are our credentials and 402 (and Postmark's 405) an
        # account out of credits, each fixed by an operator: the email waits for the fix on the outbox's schedule.
        transient = status in (401, 402, 403, 405, 429) or status >= 500 or status == 0
        return TransportError(f"The email service answered {status or 'an error'}: {exc}", permanent=not transient)
    return TransportError(f"The email service refused the message: {exc}", permanent=True)


def _abandon(connection) -> None:
    """Close without a polite QUIT when the session may be broken: a dead server would make QUIT hang too."""
    raw = getattr(connection, "connection", None)
    if isinstance(raw, smtplib.SMTP):
        raw.close()
        connection.connection = None
    else:
        connection.close()


# A worker sends one email per credential. Opening a session for each costs the server's greeting,
# EHLO, QUIT and, on a real relay, a TLS handshake and a login: more than the message itself. So
# each thread keeps its session to the configured SMTP server or email API between sends.
KEEP_MESSAGES = 100  # relays cap the messages in a session (often at 100); a fresh one before that
KEEP_IDLE_SECONDS = 60.0  # longer idle than this: servers drop such sessions, so start a new one
PROBE_AFTER_SECONDS = 0.5  # idle longer than this: check with NOOP that the server still answers


class _Kept(threading.local):
    connection = None
    settings_key: tuple = ()
    sent = 0
    last_used = 0.0


_kept = _Kept()


def _settings_key() -> tuple:
    """What the kept session was opened with: a change (a reload, a test's settings) means a new one."""
    return (
        settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", None), getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None), getattr(settings, "EMAIL_HOST_PASSWORD", None),
        getattr(settings, "EMAIL_USE_TLS", None), getattr(settings, "EMAIL_USE_SSL", None),
        getattr(settings, "EMAIL_TIMEOUT", None), repr(sorted(getattr(settings, "ANYMAIL", {}).items())),
    )


def _still_answers(connection) -> bool:
    raw = getattr(connection, "connection", None)
    if not isinstance(raw, smtplib.SMTP):
        return True  # an email API: requests replaces a dropped keep-alive connection by itself
    try:
        return raw.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def transport_forget(*, politely: bool = False) -> None:
    """Stop keeping this thread's session. QUIT only when asked: the server may be gone, and QUIT would wait."""
    connection, _kept.connection = _kept.connection, None
    if connection is None:
        return
    if politely:
        try:
            connection.close()
            return
        except (smtplib.SMTPException, OSError):
            pass
    _abandon(connection)


def _connection_kept():
    """This thread's session with the email backend, opened now if it has none fit to use."""
    key, now = _settings_key(), time.monotonic()
    if _kept.connection is not None:
        idle = now - _kept.last_used
        if _kept.settings_key != key or idle >= KEEP_IDLE_SECONDS:
            transport_forget()
        elif _kept.sent >= KEEP_MESSAGES:
            transport_forget(politely=True)
        elif idle > PROBE_AFTER_SECONDS and not _still_answers(_kept.connection):
            transport_forget()
    if _kept.connection is None:
        connection = get_connection()
        if not isinstance(connection, (SmtpBackend, AnymailRequestsBackend)):
            return connection  # files or memory: nothing to keep open
        _kept.connection, _kept.settings_key, _kept.sent = connection, key, 0
    return _kept.connection


def _forget_after_fork() -> None:
    # A forked worker must not share its parent's socket: the two would interleave SMTP commands.
    _kept.connection = None


os.register_at_fork(after_in_child=_forget_after_fork)


def transport_send(*, email: EmailMultiAlternatives, connection=None) -> str:
    """Send one email; returns the provider's message id (the Message-ID header when there is none).

    Pass an open `connection` to send many through one session (the caller closes it); otherwise
    this thread's kept session is used, and dropped on any failure so the next send starts afresh.
    """
    owned = connection is None
    connection = connection or _connection_kept()
    kept = connection is _kept.connection
    try:
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing was handed over yet, so retrying cannot duplicate.
            raise TransportError(f"The mail server could not be reached: {exc}", permanent=False) from exc
        try:
            sent = connection.send_messages([email])
        except AnymailError as exc:
            raise _anymail_error(exc) from exc
        except TimeoutError as exc:
            _abandon(connection)  # a half-read SMTP reply leaves the session unusable
            raise TransportError(f"The mail server did not answer in time: {exc}", permanent=False, outcome_unknown=True) from exc
        except smtplib.SMTPServerDisconnected as exc:
            _abandon(connection)
            if isinstance(exc.__context__, TimeoutError):  # smtplib reports a reply timeout as a disconnect
                raise TransportError(f"The mail server did not answer in time: {exc}", permanent=False, outcome_unknown=True) from exc
            raise TransportError(f"The mail server closed the connection: {exc}", permanent=False) from exc
        except smtplib.SMTPException as exc:
            _abandon(connection)
            raise _smtp_error(exc) from exc
        except OSError as exc:
            _abandon(connection)
            raise TransportError(f"The mail server connection failed: {exc}", permanent=False) from exc
    except BaseException:
        if kept:  # whatever went wrong, the session is in a state nobody should send into
            transport_forget()
        raise
    finally:
        if owned and not kept:
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                _abandon(connection)
    if kept:
        _kept.sent += 1
        _kept.last_used = time.monotonic()
    if not sent:
        raise TransportError("The email backend accepted nothing.", permanent=False)
    status = getattr(email, "anymail_status", None)
    if status is not None and status.status:
        if status.status & {"rejected", "invalid"}:
            raise TransportError(f"The email service refused the recipient ({', '.join(sorted(status.status))}).", permanent=True)
        if status.message_id:
            return str(status.message_id)
    return email.extra_headers.get("Message-ID", "")
