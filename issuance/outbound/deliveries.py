"""Sending one delivery row: claim it, call the connector, record the outcome, schedule the retry.

The same shape as the email outbox (issuance/delivery/outbox.py): `sending` is committed before
the call, the outcome after. A row whose outcome is unknown (a timeout after the request went out,
or a worker that died mid-call) is flagged `outcome_unknown`, and the connector looks the record
up on the platform before creating it again, so a credential never appears there twice.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import audit_record
from courses.keys.crypto import KeyDecryptionError, KeyEncryptionKeyError

from ..models import Connection, OutboundDelivery
from ..step_queue import task_enqueue_at
from .connections import connection_secret, connection_secret_missing
from .batches import batch_companions_claim
from .governor import connection_calls_spent, connection_pause, connection_wait
from .connectors.base import ISSUED, DeliveryRequest, Outcome, OutboundError
from .registry import connector_for

logger = logging.getLogger(__name__)
Status = OutboundDelivery.Status
WAIT_FOR_ISSUE = timedelta(seconds=60)
DELIVERY_TASK = "issuance.outbound.tasks.outbound_delivery_task"


def stuck_after() -> timedelta:
    return timedelta(seconds=settings.LAUREL_OUTBOUND_STUCK_SECONDS)


def delivery_perform(*, delivery_id: int, now: datetime | None = None) -> OutboundDelivery:
    """Attempt one queued, due row; any other row is returned as it is. Call outside a transaction."""
    now = now or timezone.now()
    delivery = OutboundDelivery.objects.select_related("connection", "issuance").get(pk=delivery_id)
    if delivery.status == Status.SENDING and delivery.sending_started_at < now - stuck_after():
        deliveries_recover_stuck(now=now, delivery_id=delivery.pk)
        delivery.refresh_from_db()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = OutboundDelivery.objects.filter(due, pk=delivery.pk, status=Status.QUEUED).update(
        status=Status.SENDING, attempts=F("attempts") + 1, sending_started_at=now)
    delivery.refresh_from_db()
    if not claimed:
        return delivery
    connection = delivery.connection
    if not connection.enabled:
        return _finish(delivery, status=Status.FAILED, error=f"The connection is disabled. {connection.disabled_reason}".strip(), now=now)
    connector = connector_for(connection.kind)
    remote_id = delivery.remote_id
    if connector.follows_issue(connection.settings) and delivery.action != ISSUED:
        issued = (OutboundDelivery.objects.filter(connection=connection, credential_id=delivery.credential_id, action=ISSUED)
                  .order_by("-pk").first())
        if issued is None or (issued.status in (Status.SKIPPED, Status.FAILED) and not issued.remote_id and not issued.outcome_unknown):
            return _finish(delivery, status=Status.SKIPPED, error="Never issued on this platform: nothing to change.", now=now)
        if not issued.remote_id:  # still on its way: look again shortly
            return _release(delivery, wait=WAIT_FOR_ISSUE, why="Waiting for the credential to be issued on this platform first.", now=now)
        remote_id = issued.remote_id
    governed = connection_wait(connection, now=now)
    if governed is not None:  # the connection's limit is reached, or its system asked to wait
        return _release(delivery, wait=governed[0], why=governed[1], now=now)
    try:
        secret = connection_secret(connection)
    except (KeyDecryptionError, KeyEncryptionKeyError) as exc:
        return _failure(delivery, OutboundError(str(exc), permanent=True), calls=[], now=now)
    missing = connection_secret_missing(connection, secret)
    if missing:  # nothing can be signed or authenticated: staff must act, retrying cannot help
        return _failure(delivery, OutboundError(missing, permanent=True), calls=[], now=now)
    if delivery.action == ISSUED and delivery.attempts == 1 and connector.batch_limit(connection.settings) > 1:
        companions = batch_companions_claim(delivery, limit=connector.batch_limit(connection.settings), now=now)
        if companions:  # a burst: one bulk call for all of them
            return _batch_perform([delivery, *companions], connector=connector, secret=secret, now=now)
    request = _request(delivery, secret=secret, remote_id=remote_id)
    try:
        outcome = connector.perform(request)
    except OutboundError as exc:
        return _failure(delivery, exc, calls=request.calls, now=now)
    except Exception as exc:  # a bug or an answer no one foresaw: retried, and looked up first in case it was made
        logger.exception("outbound delivery %s failed unexpectedly", delivery.pk)
        error = OutboundError(f"{type(exc).__name__}: {exc}", permanent=False, outcome_unknown=True)
        return _failure(delivery, error, calls=request.calls, now=now)
    finally:
        connection_calls_spent(connection, calls=len(request.calls), now=now)
    return _success(delivery, outcome, calls=request.calls, now=now)


def _request(delivery: OutboundDelivery, *, secret: str, remote_id: str) -> DeliveryRequest:
    connection = delivery.connection
    return DeliveryRequest(
        action=delivery.action, settings=connection.settings, secret=secret, payload=delivery.payload,
        connection_id=connection.pk, remote_template=delivery.payload.get("remote_template", ""), remote_id=remote_id,
        uncertain=delivery.outcome_unknown, idempotency_key=delivery.idempotency_key,
    )


def _batch_perform(batch: list[OutboundDelivery], *, connector, secret: str, now: datetime) -> OutboundDelivery:
    """One bulk call for claimed issue deliveries of one connection; each row gets its own outcome. Returns the first."""
    requests = [_request(delivery, secret=secret, remote_id=delivery.remote_id) for delivery in batch]
    calls = requests[0].calls
    try:
        results = connector.perform_batch(requests)
    except OutboundError as exc:
        if exc.retry_after is not None:  # the system asked to wait (429): nothing was made, every row waits unspent
            connection_pause(batch[0].connection, seconds=exc.retry_after, now=now)
            return [_release(delivery, wait=timedelta(seconds=exc.retry_after), now=now, why=f"Held: {exc}")
                    for delivery in batch][0]
        results = [exc] * len(batch)
    except Exception as exc:  # as for a single call: retried, and each looked up first in case it was made
        logger.exception("outbound bulk call for deliveries %s failed unexpectedly", [delivery.pk for delivery in batch])
        results = [OutboundError(f"{type(exc).__name__}: {exc}", permanent=False, outcome_unknown=True)] * len(batch)
    finally:
        connection_calls_spent(batch[0].connection, calls=len(calls), now=now)
    done = [_success(delivery, result, calls=calls, now=now) if isinstance(result, Outcome)
            else _failure(delivery, result, calls=calls, now=now) for delivery, result in zip(batch, results)]
    return done[0]


def _release(delivery: OutboundDelivery, *, wait: timedelta, why: str, now: datetime) -> OutboundDelivery:
    """Put a claimed row back, due after `wait`, without counting an attempt: it made no call."""
    OutboundDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.QUEUED, attempts=F("attempts") - 1, next_attempt_at=now + wait, last_error=why)
    delivery.refresh_from_db()
    _attempt_when_due(delivery)
    return delivery


def _label(delivery: OutboundDelivery) -> str:
    return f"{connector_for(delivery.connection.kind).label} “{delivery.connection.name}”"


def _timeline(delivery: OutboundDelivery, detail: str) -> None:
    issuance = delivery.issuance
    audit_record(issuance=issuance, from_state=issuance.state, to_state=issuance.state, actor_kind="system",
                 actor_label=f"outbound:{delivery.connection.kind}", detail=detail[:2000])


def _success(delivery: OutboundDelivery, outcome: Outcome, *, calls: list, now: datetime) -> OutboundDelivery:
    status = Status.SKIPPED if outcome.skipped else Status.DONE
    OutboundDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=status, finished_at=timezone.now(), next_attempt_at=None, outcome_unknown=False, last_error="",
        remote_id=outcome.remote_id[:200] or delivery.remote_id, remote_url=outcome.remote_url[:500] or delivery.remote_url,
        request_summary="\n".join(calls)[:4000], response_summary=outcome.summary[:4000])
    Connection.objects.filter(pk=delivery.connection_id).exclude(failing_since=None).update(failing_since=None)
    delivery.refresh_from_db()
    remote = f" (remote id {delivery.remote_id})" if delivery.remote_id else ""
    _timeline(delivery, f"{_label(delivery)}: {delivery.action} {status}{remote}. {outcome.summary}")
    return delivery


def _failure(delivery: OutboundDelivery, error: OutboundError, *, calls: list, now: datetime) -> OutboundDelivery:
    connection = delivery.connection
    detail = f"Attempt {delivery.attempts}: {error}"[:4000]
    Connection.objects.filter(pk=connection.pk).update(
        failing_since=Coalesce("failing_since", Value(now, output_field=DateTimeField())), last_error=detail, last_error_at=now)
    connection.refresh_from_db()
    unknown = error.outcome_unknown or delivery.outcome_unknown
    connector = connector_for(connection.kind)  # its retry policy: retry_delays, disable_after
    delays, disable_after = connector.retry_delays, connector.disable_after
    summary = {"request_summary": "\n".join(calls)[:4000], "outcome_unknown": unknown}
    if disable_after is not None and (error.gone or connection.failing_since <= now - disable_after):
        why = "answered 410 Gone" if error.gone else f"has failed since {connection.failing_since:%Y-%m-%d %H:%M} UTC"
        connection_disable(connection=connection, reason=f"Disabled automatically: the endpoint {why}. Fix it, then enable the connection and retry the failed deliveries.")
        return _finish(delivery, status=Status.FAILED, error=f"{detail} {connection.disabled_reason}", now=now, **summary)
    if error.permanent or delivery.attempts > len(delays):
        suffix = "" if error.permanent else f" Gave up after {delivery.attempts} attempts."
        return _finish(delivery, status=Status.FAILED, error=detail + suffix, now=now, **summary)
    if error.retry_after is not None:  # the system's own request: it holds every call of the connection
        connection_pause(connection, seconds=error.retry_after, now=now)
    wait = timedelta(seconds=error.retry_after) if error.retry_after is not None else delays[delivery.attempts - 1]
    OutboundDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.QUEUED, next_attempt_at=now + wait, last_error=detail, **summary)
    delivery.refresh_from_db()
    _attempt_when_due(delivery)
    return delivery


def _attempt_when_due(delivery: OutboundDelivery) -> None:
    """A task for the moment the row is due: a first retry in 5 s is made in about 5 s, not at the next sweep.

    If the sweep gets there first, the task finds the row claimed or done and does nothing.
    """
    if delivery.status == Status.QUEUED and delivery.next_attempt_at is not None:
        task_enqueue_at(DELIVERY_TASK, delivery.pk, due=delivery.next_attempt_at, organization_id=delivery.organization_id)


def _finish(delivery: OutboundDelivery, *, status: str, error: str, now: datetime, **fields) -> OutboundDelivery:
    OutboundDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=status, next_attempt_at=None, finished_at=now, last_error=error[:4000], **fields)
    delivery.refresh_from_db()
    verb = "failed; staff are told and can retry it in Outbound failures" if status == Status.FAILED else "skipped"
    _timeline(delivery, f"{_label(delivery)}: {delivery.action} {verb}. {error}")
    return delivery


def connection_disable(*, connection: Connection, reason: str) -> None:
    Connection.objects.filter(pk=connection.pk).update(enabled=False, disabled_reason=reason[:2000])
    connection.enabled, connection.disabled_reason = False, reason


def deliveries_recover_stuck(*, now: datetime | None = None, delivery_id: int | None = None) -> int:
    """Rows a dead worker left in `sending`: their outcome is unknown, so they are looked up before being made again."""
    now = now or timezone.now()
    stuck = Q(status=Status.SENDING, sending_started_at__lt=now - stuck_after())
    if delivery_id is not None:
        stuck &= Q(pk=delivery_id)
    return OutboundDelivery.objects.filter(stuck).update(
        status=Status.QUEUED, outcome_unknown=True, next_attempt_at=now,
        last_error="The worker stopped during the call; the outcome is unknown and will be checked before retrying.")


def deliveries_due_ids(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(OutboundDelivery.objects.filter(due, status=Status.QUEUED, connection__enabled=True)
                .order_by("created_at").values_list("pk", flat=True)[:limit])


def delivery_retry(*, delivery_id: int, actor=None) -> bool:
    """Staff's retry of a failed delivery: queued again, due now, with a fresh count of attempts."""
    retried = OutboundDelivery.objects.filter(pk=delivery_id, status=Status.FAILED, connection__enabled=True).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, finished_at=None, staff_notified_at=None)
    if retried:
        delivery = OutboundDelivery.objects.select_related("connection", "issuance").get(pk=delivery_id)
        who = actor.get_username() if actor is not None else "staff"
        _timeline(delivery, f"{_label(delivery)}: {delivery.action} queued again by {who}.")
    return bool(retried)

