"""Resending never says what is no longer true: which emails may go again, and the renewal email instead.

A credential email says "your certificate is ready"; sent again for a revoked, suspended, expired or
superseded credential it would tell the learner something false, with the PDF attached.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..delivery.results import DeliveryResult
from ..email.messages import renewal_reminder_email_draft
from ..models import Credential, OutboxMessage
from .expiry import credential_shown_status
from .reminders import renewal_reminder_key

Status = Credential.Status
Kind = OutboxMessage.Kind
RENEWAL_ACTION = "Credentials › “Send the renewal email…”"


class RenewalEmailRefused(ValueError):
    pass


def outbox_resend_refusal(*, message: OutboxMessage) -> str:
    """Why this email must not be sent again, or "" when it may."""
    if message.kind not in (Kind.CREDENTIAL, Kind.CREDENTIAL_COPY, Kind.RENEWAL_REMINDER) or message.issuance_id is None:
        return ""
    credential = Credential.objects.filter(issuance_id=message.issuance_id).first()
    if credential is None:
        return ""
    shown = credential_shown_status(status=credential.status, valid_until=credential.valid_until)
    # The reason as staff typed it, often a sentence of its own: its full stop is ours to add, not to double.
    reason = credential.status_reason.strip().rstrip(".")
    because = f": {reason}" if reason else ""
    if shown == Status.REVOKED:
        return f"the credential was revoked{because}. Resending would tell the learner it is valid."
    if shown == Status.SUSPENDED:
        return f"the credential is suspended{because}. Resending would tell the learner it is valid."
    if shown == Status.SUPERSEDED:
        return "the credential was renewed; the learner holds a newer one."
    if shown == Status.EXPIRED and message.kind in (Kind.CREDENTIAL, Kind.CREDENTIAL_COPY):
        return f"the credential expired on {credential.valid_until:%d %B %Y}. Send the renewal email instead ({RENEWAL_ACTION})."
    return ""


def credential_renewal_email_refusal(*, credential: Credential) -> str:
    shown = credential_shown_status(status=credential.status, valid_until=credential.valid_until)
    if credential.valid_until is None:
        return "it never expires."
    if shown in (Status.REVOKED, Status.SUSPENDED, Status.SUPERSEDED):
        return f"it is {Status(shown).label.lower()}."
    return ""


def credential_renewal_email_send(*, credential: Credential, today: date | None = None) -> DeliveryResult:
    """Staff's renewal email for one credential (at most one per credential per day), sent now."""
    refusal = credential_renewal_email_refusal(credential=credential)
    if refusal:
        raise RenewalEmailRefused(f"No renewal email for {credential.pk}: {refusal}")
    zone = ZoneInfo(credential.issuance.organization.timezone)
    today = today or timezone.now().astimezone(zone).date()
    key = renewal_reminder_key(credential_id=credential.pk, staff_on=today)
    message = OutboxMessage.objects.filter(idempotency_key=key).first() or outbox_enqueue(draft=renewal_reminder_email_draft(
        credential=credential, key=key, expires_on=credential.valid_until.astimezone(zone).date(), today=today,
    ))
    return outbox_send_message(message=message)
