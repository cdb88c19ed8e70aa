"""Telling a learner their credential was revoked, when staff choose to: once per credential."""

from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..delivery.results import DeliveryResult
from ..email.messages import revocation_notice_email_draft
from ..models import Credential, OutboxMessage


def revocation_notice_key(*, credential_id) -> str:
    return f"revocation-notice:{credential_id}"


def credential_revocation_notice_send(*, credential: Credential) -> DeliveryResult:
    """The revocation notice (its own template: no PDF, nothing that reads as valid), sent now if it can be.

    Call it outside a transaction, after the revocation has committed.
    """
    key = revocation_notice_key(credential_id=credential.pk)
    message = OutboxMessage.objects.filter(idempotency_key=key).first()
    if message is None:
        message = outbox_enqueue(draft=revocation_notice_email_draft(credential=credential, key=key))
    return outbox_send_message(message=message)
