"""The outbox: enqueue an email once per key, send it once, retry what can be retried, record everything.

The rule for a row stuck in `sending` (a worker died mid-send, or the provider's answer was lost):
its outcome cannot be known, because SMTP has no way to ask and we do not read ESP message logs.
For a certificate a rare duplicate is better than a missing email, so such a row is sent ONCE more
and flagged `possible_duplicate` for staff; if that second attempt's outcome is unknown too, the row
fails and staff decide (the flag and the error say why).
"""

from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Q
from django.utils import timezone

from ..email.draft import EmailDraft
from ..models import Credential, Issuance, OutboxMessage, Suppression
from .copy_rules import copies_allowed
from .esp_batch import email_batch_size, transport_send_batch
from ..outcome_write import outcome_write
from ..step_queue import task_enqueue_at
from .results import DeliveryResult, delivery_result
from .signals import outbox_message_failed
from .transport import TransportError, outbox_email, transport_send

Status = OutboxMessage.Status
# What a course's "sending paused" switch holds: every email to its learners (staff mail goes out).
HELD_WHEN_PAUSED = {OutboxMessage.Kind.CREDENTIAL, OutboxMessage.Kind.STILL_NEEDED, OutboxMessage.Kind.RENEWAL_REMINDER,
                    OutboxMessage.Kind.REVOCATION_NOTICE, OutboxMessage.Kind.CREDENTIAL_COPY}


SEND_TASK = "issuance.delivery.tasks.outbox_send_task"
# A queued first attempt younger than this is about to be sent by the worker that wrote it (see `_companions_claim`).
COMPANION_MIN_AGE = timedelta(seconds=10)


def retry_delays() -> list[timedelta]:
    """Waits before attempts 2, 3, 4 …; after the last one the row fails.

    By default a minute, five, half an hour, two hours, six hours (LAUREL_OUTBOX_RETRY_SECONDS).
    """
    return [timedelta(seconds=seconds) for seconds in settings.LAUREL_OUTBOX_RETRY_SECONDS]


def stuck_after() -> timedelta:
    """How long a row may stay in `sending` before its sender is surely dead.

    Longer than a worker task may run (Q_TIMEOUT, after which django-q kills it) and than the email
    transport's own timeout, with a minute to spare.
    """
    return timedelta(seconds=settings.LAUREL_OUTBOX_STUCK_SECONDS)


def outbox_enqueue(*, draft: EmailDraft) -> OutboxMessage:
    """The row for this key: created queued the first time, returned unchanged every time after."""
    return outbox_enqueue_created(draft=draft)[0]


def outbox_enqueue_created(*, draft: EmailDraft) -> tuple[OutboxMessage, bool]:
    """`outbox_enqueue`, and whether the row was created by this call (its copy is then the row as stored)."""
    try:
        # Insert first: callers look for the key before rendering, so the row is almost always new
        # and a lookup first would be a query for nothing. Outside a transaction the INSERT commits
        # alone; inside one, a savepoint keeps the caller's transaction usable after a duplicate key.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            return OutboxMessage.objects.create(
                idempotency_key=draft.idempotency_key, organization=draft.organization, issuance=draft.issuance,
                kind=draft.kind, recipient=draft.recipient.strip(), recipient_name=draft.recipient_name,
                from_email=draft.from_email, reply_to=draft.reply_to, subject=draft.subject,
                text_body=draft.text_body, html_body=draft.html_body, headers=draft.headers,
                attachments=draft.attachments,
            ), True
    except IntegrityError:
        existing = OutboxMessage.objects.filter(idempotency_key=draft.idempotency_key).first()
        if existing is None:  # refused for another reason than the key
            raise
        return existing, False


def outbox_record_unsendable(*, draft: EmailDraft, reason: str) -> OutboxMessage:
    """A row for an email that cannot be sent (its address is not one), failed from the start, so staff see it:
    the failure signal puts it in the audit trail and the staff digest. Once per key, like `outbox_enqueue`."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                idempotency_key=draft.idempotency_key, organization=draft.organization, issuance=draft.issuance,
                kind=draft.kind, recipient=draft.recipient.strip()[:320], recipient_name=draft.recipient_name,
                from_email=draft.from_email, reply_to=draft.reply_to, subject=draft.subject, text_body=draft.text_body,
                html_body=draft.html_body, headers=draft.headers, attachments=draft.attachments,
                status=Status.FAILED, last_error=f"Not sent: {reason}"[:4000],
            )
    except IntegrityError:
        existing = OutboxMessage.objects.filter(idempotency_key=draft.idempotency_key).first()
        if existing is None:
            raise
        return existing
    _failed(message)
    return message


def _copy_refused(message: OutboxMessage) -> bool:
    """A copy waiting to be (re)sent whose learner may no longer be copied: it is cancelled, not sent."""
    credential = Credential.objects.select_related("learner").filter(issuance_id=message.issuance_id).first()
    if credential is None or copies_allowed(credential):
        return False
    reason = ("Not sent: the learner may no longer be copied (the credential is not active, its holder hid it, or the "
              "learner asked for erasure).")
    return bool(OutboxMessage.objects.filter(pk=message.pk, status=Status.QUEUED).update(
        status=Status.FAILED, next_attempt_at=None, last_error=reason))


def suppression_find(*, organization_id: int, address: str) -> Suppression | None:
    return Suppression.objects.filter(organization_id=organization_id, address=address.strip().lower()).first()


def _failed(message: OutboxMessage) -> DeliveryResult:
    result = delivery_result(message=message)
    outbox_message_failed.send(sender=OutboxMessage, message=message, result=result)
    return result


def outbox_send(*, message_id: int, now: datetime | None = None, connection=None) -> DeliveryResult:
    """Send one queued, due row. A row in any other state is left alone and reported as it is.

    Must run outside a transaction: the claim (queued → sending, one more attempt) commits before
    the transport is called, so a crash mid-send leaves evidence for the sweep.
    """
    return outbox_send_message(message=OutboxMessage.objects.get(pk=message_id), now=now, connection=connection)


def outbox_send_message(*, message: OutboxMessage, now: datetime | None = None, connection=None,
                        created: bool = False) -> DeliveryResult:
    """`outbox_send` for a row the caller has just read or created, without reading it again.

    An out-of-date copy does no harm: only the claim, a conditional UPDATE, lets a send happen,
    and the row is read again once claimed, unless the caller `created` it a moment ago (then the
    copy is the row as inserted, and the claim's conditions, still queued and never attempted,
    show that nothing else has touched it since).
    """
    now = now or timezone.now()
    if message.status == Status.SENDING and message.sending_started_at < now - stuck_after():
        outbox_recover_stuck(now=now, message_id=message.pk)  # its sender died: apply the rule now
        message.refresh_from_db()
    if message.status != Status.QUEUED:
        return delivery_result(message=message)
    if message.kind == OutboxMessage.Kind.CREDENTIAL_COPY and _copy_refused(message):
        message.refresh_from_db()
        return delivery_result(message=message)
    pausable = _pausable(message)
    paused = Issuance.objects.filter(pk=message.issuance_id, course__sending_paused=True)
    # The usual case is one statement: claim the row (queued → sending, one more attempt) unless its
    # course's sending is paused or its address suppressed. Only a row that is not claimed is asked why.
    unchanged = Q(attempts=message.attempts, released_at=None, sending_started_at=None) if created else Q()
    claimed = _claim(message, now=now, only=unchanged)
    if not claimed:
        if pausable and paused.exists():
            held = "Held: sending is paused for this course. Release it from the outbox when it may go."
            if OutboxMessage.objects.filter(pk=message.pk, status=Status.QUEUED).update(status=Status.HELD, last_error=held):
                message.refresh_from_db()
                return delivery_result(message=message)
        suppression = suppression_find(organization_id=message.organization_id, address=message.recipient)
        if suppression is not None:
            reason = f"{message.recipient} is on the suppression list ({suppression.get_reason_display()}, {suppression.created_at:%Y-%m-%d})."
            if OutboxMessage.objects.filter(pk=message.pk, status=Status.QUEUED).update(status=Status.SUPPRESSED, last_error=reason):
                message.refresh_from_db()
                return _failed(message)
    if claimed and created:  # the row as inserted, plus the claim: nothing to read back (its body is ~110 KB)
        message.status, message.attempts, message.sending_started_at = Status.SENDING, message.attempts + 1, now
    else:
        message.refresh_from_db()
    if not claimed:  # not due yet, or another worker has it
        return delivery_result(message=message)
    try:
        email = outbox_email(message=message)
    except TransportError as exc:
        return _record_failure(message=message, error=exc, now=now)
    except (UnicodeError, ValueError) as exc:
        # Nothing was handed over: say what cannot be built instead of leaving the row `sending`,
        # which would later read as "the worker stopped while sending".
        error = TransportError(f"The email cannot be built for {message.recipient}: {exc}", permanent=True)
        return _record_failure(message=message, error=error, now=now)
    companions = _companions_claim(message, now=now) if message.attempts == 1 and not message.possible_duplicate else []
    if companions:
        return _send_together(message=message, email=email, companions=companions, now=now, connection=connection)
    try:
        provider_id = transport_send(email=email, connection=connection)
    except TransportError as exc:
        return _record_failure(message=message, error=exc, now=now)
    return _record_sent(message=message, provider_id=provider_id)


def _pausable(message: OutboxMessage) -> bool:
    return bool(message.kind in HELD_WHEN_PAUSED and message.issuance_id and message.released_at is None)


def _claim(message: OutboxMessage, *, now: datetime, only: Q = Q()) -> int:
    """queued → sending, one more attempt, if the row is due, its address not suppressed and its course's sending
    not paused (and `only` holds): one conditional UPDATE, so two workers never send one row."""
    paused = Issuance.objects.filter(pk=message.issuance_id, course__sending_paused=True)
    suppressed = Suppression.objects.filter(organization_id=message.organization_id, address=message.recipient.strip().lower())
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    sendable = [~Exists(suppressed), *([~Exists(paused)] if _pausable(message) else [])]
    return OutboxMessage.objects.filter(due, only, *sendable, pk=message.pk, status=Status.QUEUED).update(
        status=Status.SENDING, attempts=F("attempts") + 1, sending_started_at=now
    )


def _companions_claim(message: OutboxMessage, *, now: datetime) -> list[OutboxMessage]:
    """Up to the batch size less one other due first attempts of `message`'s organisation, oldest first, each
    claimed as a single send claims its row, to go in one call with it (issuance/delivery/esp_batch.py).

    Only first attempts: a retry goes alone, so an email refused in a batch, or whose batch got no answer,
    is retried on its own schedule and answered on its own. Copies are left to their own send, which
    asks first whether the learner may still be copied. A row younger than COMPANION_MIN_AGE is about
    to be sent by the worker that wrote it; taking it would make that worker's issuance wait for the
    outbox's next look instead.
    """
    size = email_batch_size()
    if size < 2:
        return []
    first = Q(organization_id=message.organization_id, attempts=0, possible_duplicate=False)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    candidates = (OutboxMessage.objects.filter(due, first, status=Status.QUEUED, created_at__lte=now - COMPANION_MIN_AGE)
                  .exclude(pk=message.pk).exclude(kind=OutboxMessage.Kind.CREDENTIAL_COPY).order_by("created_at", "pk")
                  .only("pk", "kind", "issuance_id", "released_at", "recipient", "organization_id")[:size - 1])
    claimed = [candidate.pk for candidate in candidates if _claim(candidate, now=now, only=first)]
    rows = OutboxMessage.objects.in_bulk(claimed)
    return [rows[pk] for pk in claimed]


def _send_together(*, message: OutboxMessage, email, companions: list[OutboxMessage], now: datetime,
                   connection=None) -> DeliveryResult:
    """Send `message` and its claimed companions in one call; record each one's own outcome. `message`'s result."""
    rows, emails = [message], [email]
    for companion in companions:
        try:
            emails.append(outbox_email(message=companion))
            rows.append(companion)
        except TransportError as exc:
            _record_failure(message=companion, error=exc, now=now)
        except (UnicodeError, ValueError) as exc:
            error = TransportError(f"The email cannot be built for {companion.recipient}: {exc}", permanent=True)
            _record_failure(message=companion, error=error, now=now)
    outcomes = transport_send_batch(emails=emails, connection=connection)
    results = [_record_failure(message=row, error=outcome, now=now) if isinstance(outcome, TransportError)
               else _record_sent(message=row, provider_id=outcome) for row, outcome in zip(rows, outcomes)]
    return results[0]


def _record_sent(*, message: OutboxMessage, provider_id: str) -> DeliveryResult:
    sent = {"status": Status.SENT, "sent_at": timezone.now(), "next_attempt_at": None, "last_error": "",
            "provider_message_id": provider_id[:300]}
    if outcome_write(lambda: OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**sent)):
        # The row was ours, in `sending`, since it was read at the claim: it is now that plus `sent`.
        for name, value in sent.items():
            setattr(message, name, value)
    else:
        # A tracking event has already moved the row on; the provider id is recorded either way.
        OutboxMessage.objects.filter(pk=message.pk).update(provider_message_id=sent["provider_message_id"])
        message.refresh_from_db()
    return delivery_result(message=message)


def _record_failure(*, message: OutboxMessage, error: TransportError, now: datetime) -> DeliveryResult:
    detail = f"Attempt {message.attempts}: {error}"[:4000]
    delays = retry_delays()
    if error.outcome_unknown:
        if message.possible_duplicate:
            final = detail + " The outcome of two attempts is unknown; check the provider's log before resending."
            return _finish(message=message, status=Status.FAILED, error=final)
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED, possible_duplicate=True, next_attempt_at=now + delays[0],
            last_error=detail + " It may have been accepted; it will be sent once more and flagged as a possible duplicate.",
        )
    elif error.permanent or message.attempts > len(delays):
        suffix = "" if error.permanent else f" Gave up after {message.attempts} attempts."
        return _finish(message=message, status=Status.FAILED, error=detail + suffix)
    else:
        delay = delays[min(message.attempts, len(delays)) - 1]
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED, next_attempt_at=now + delay, last_error=detail
        )
    message.refresh_from_db()
    if message.status == Status.QUEUED and message.next_attempt_at is not None:
        # Sent when due, to about a second, not at the next minute's sweep; whichever of the two
        # comes first claims the row, the other finds it taken.
        task_enqueue_at(SEND_TASK, message.pk, due=message.next_attempt_at, organization_id=message.organization_id)
    return delivery_result(message=message)


def _finish(*, message: OutboxMessage, status: str, error: str) -> DeliveryResult:
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(status=status, next_attempt_at=None, last_error=error)
    message.refresh_from_db()
    return _failed(message)


def outbox_recover_stuck(*, now: datetime | None = None, message_id: int | None = None) -> int:
    """Apply the stuck-in-sending rule (see the module docstring) to rows a dead worker left behind."""
    now = now or timezone.now()
    stuck = Q(status=Status.SENDING, sending_started_at__lt=now - stuck_after())
    if message_id is not None:
        stuck &= Q(pk=message_id)
    lost = "The worker stopped while sending (attempt {n}); the outcome is unknown."
    recovered = 0
    for message in OutboxMessage.objects.filter(stuck):
        if message.possible_duplicate:
            _finish(message=message, status=Status.FAILED, error=lost.format(n=message.attempts)
                    + " It was already sent once more; check the provider's log before resending.")
        else:
            OutboxMessage.objects.filter(stuck, pk=message.pk).update(
                status=Status.QUEUED, possible_duplicate=True, next_attempt_at=now,
                last_error=lost.format(n=message.attempts) + " It will be sent once more and flagged as a possible duplicate.",
            )
        recovered += 1
    return recovered


def outbox_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(OutboxMessage.objects.filter(due, status=Status.QUEUED).order_by("created_at").values_list("pk", flat=True)[:limit])


def outbox_requeue(*, message_id: int) -> bool:
    """Staff's resend: a row not in flight goes back to queued, due now. Returns whether it did.

    It gets a new Message-ID: mail clients hide a second message with an id they have already seen.
    """
    message = OutboxMessage.objects.filter(pk=message_id).exclude(status=Status.SENDING).first()
    if message is None:
        return False
    headers = dict(message.headers)
    if "Message-ID" in headers:
        headers["Message-ID"] = make_msgid(domain=headers["Message-ID"].rpartition("@")[2].rstrip(">") or None)
    return bool(
        OutboxMessage.objects.filter(pk=message_id).exclude(status=Status.SENDING).update(
            status=Status.QUEUED, next_attempt_at=None, attempts=0, last_error="", headers=headers
        )
    )


def outbox_release_held(*, message_ids: list[int], now: datetime | None = None) -> list[int]:
    """Staff release held rows: queued again, due now, and sent even if their course is still paused.

    The issuances waiting on them are due again now too, so their deliver step sees the email go.
    """
    now = now or timezone.now()
    held = list(OutboxMessage.objects.filter(pk__in=message_ids, status=Status.HELD).values_list("pk", "issuance_id"))
    OutboxMessage.objects.filter(pk__in=[pk for pk, _ in held], status=Status.HELD).update(
        status=Status.QUEUED, released_at=now, next_attempt_at=None, last_error=""
    )
    Issuance.objects.filter(pk__in=[issuance for _, issuance in held if issuance], finished_at__isnull=True,
                            next_attempt_at__gt=now).update(next_attempt_at=now)
    return [pk for pk, _ in held]
