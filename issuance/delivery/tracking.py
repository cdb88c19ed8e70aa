"""What the email provider tells us later (via django-anymail's tracking webhooks) updates the outbox.

Hard bounces and complaints put the address on the organisation's suppression list, which every
later send honours. The receiver only writes rows: some providers give up on a webhook after ~5 s.
"""

import logging

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking
from django.db import IntegrityError, transaction
from django.dispatch import receiver

from ..models import OutboxMessage, Suppression
from .results import delivery_result
from .signals import outbox_message_failed

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status
# ESP bounce types that anymail reports as `bounced` but that are temporary (the mailbox may recover).
SOFT_BOUNCE_TYPES = {"SoftBounce", "Transient", "DnsError"}
SUPPRESSING_REJECTIONS = {RejectReason.INVALID, RejectReason.BOUNCED, RejectReason.SPAM}


def _outbox_row(event: AnymailTrackingEvent) -> OutboxMessage | None:
    outbox_id = str((event.metadata or {}).get("outbox_id", ""))
    if outbox_id.isdigit():
        return OutboxMessage.objects.filter(pk=int(outbox_id)).select_related("organization").first()
    if event.message_id:
        return OutboxMessage.objects.filter(provider_message_id=event.message_id).select_related("organization").first()
    return None


def _is_soft_bounce(event: AnymailTrackingEvent) -> bool:
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    return raw.get("Type") in SOFT_BOUNCE_TYPES or str(raw.get("bounce_type", "")).lower() in {"soft", "transient"}


def suppression_add(*, organization_id: int, address: str, reason: str, detail: str = "") -> Suppression:
    """Idempotent: an address already suppressed keeps its first reason."""
    address = address.strip().lower()
    try:
        with transaction.atomic():
            return Suppression.objects.create(organization_id=organization_id, address=address, reason=reason, detail=detail[:2000])
    except IntegrityError:
        return Suppression.objects.get(organization_id=organization_id, address=address)


def _move(message: OutboxMessage, *, status: str, note: str, allowed_from: set[str]) -> None:
    if OutboxMessage.objects.filter(pk=message.pk, status__in=allowed_from).update(status=status, last_error=note[:4000]):
        message.refresh_from_db()
        if status != Status.DELIVERED:
            outbox_message_failed.send(sender=OutboxMessage, message=message, result=delivery_result(message=message))


def tracking_event_record(*, event: AnymailTrackingEvent, esp_name: str) -> None:
    """Apply one normalised tracking event to its outbox row and the suppression list."""
    message = _outbox_row(event)
    if message is None:
        logger.info("%s %s event for a message Laurel did not send (%s)", esp_name, event.event_type, event.message_id)
        return
    said = " ".join(part for part in (event.description, event.mta_response) if part) or "no detail given"
    recipient = event.recipient or message.recipient
    in_flight = {Status.QUEUED, Status.SENDING, Status.SENT}
    if event.event_type == EventType.DELIVERED:
        _move(message, status=Status.DELIVERED, note="", allowed_from=in_flight)
    elif event.event_type == EventType.BOUNCED and not _is_soft_bounce(event):
        suppression_add(organization_id=message.organization_id, address=recipient, reason=Suppression.Reason.HARD_BOUNCE, detail=said)
        _move(message, status=Status.BOUNCED, note=f"{esp_name} reported a hard bounce: {said}", allowed_from=in_flight | {Status.DELIVERED})
    elif event.event_type == EventType.COMPLAINED:
        suppression_add(organization_id=message.organization_id, address=recipient, reason=Suppression.Reason.COMPLAINT, detail=said)
        _move(message, status=Status.COMPLAINED, note=f"{esp_name} reported a spam complaint: {said}", allowed_from=in_flight | {Status.DELIVERED})
    elif event.event_type == EventType.REJECTED:
        if event.reject_reason in SUPPRESSING_REJECTIONS:
            suppression_add(organization_id=message.organization_id, address=recipient, reason=Suppression.Reason.REJECTED, detail=said)
        _move(message, status=Status.FAILED, note=f"{esp_name} refused to deliver it ({event.reject_reason}): {said}", allowed_from=in_flight)
    elif event.event_type in (EventType.BOUNCED, EventType.DEFERRED):
        OutboxMessage.objects.filter(pk=message.pk).update(last_error=f"{esp_name} reported a temporary delivery problem: {said}"[:4000])


@receiver(tracking, dispatch_uid="laurel-outbox-tracking")
def on_tracking_event(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    tracking_event_record(event=event, esp_name=esp_name)
