"""The pipeline's entry points for step 6, and staff's test sends. Each is safe to call again."""

from ..email.draft import EmailDraft
from courses.models import EmailTemplate

from ..email.messages import credential_email_draft, still_needed_email_draft, template_test_email_draft
from ..idempotency_keys import credential_email_key, staff_copy_email_key, still_needed_email_key, template_test_email_key
from ..models import Credential, Issuance, OutboxMessage
from ..outbound.plan import platform_claim_links
from ..wallets.addresses import wallet_page_url
from ..wallets.offers import wallet_link_create
from .outbox import outbox_enqueue, outbox_enqueue_created, outbox_requeue, outbox_send_message
from .results import DeliveryResult


def credential_email_links(*, credential: Credential) -> dict:
    """What the credential email links to beyond the credential itself: the learner's own wallet page (a
    fresh pair of wallet offers, written here, once the badge is signed) and the badge platforms' pages."""
    wallet_url = ""
    if credential.badge and credential.status == Credential.Status.ACTIVE:
        key = wallet_link_create(credential=credential, created_by="the credential email")
        wallet_url = wallet_page_url(credential_id=credential.pk, key=key)
    return {"wallet_url": wallet_url, "platform_links": platform_claim_links(credential=credential)}


def credential_email_compose(*, issuance: Issuance, credential: Credential) -> EmailDraft:
    """The credential email with its links gathered: the one way delivery and reissue draft it."""
    return credential_email_draft(issuance=issuance, credential=credential, **credential_email_links(credential=credential))


def delivery_send_credential_email(*, issuance: Issuance, credential: Credential, first_attempt: bool = False) -> DeliveryResult:
    """Email the learner their credential, once per credential however often this is called.

    Sent now when it can be; a transient failure leaves it queued for the outbox sweep
    (`result.retry_at`); `result.permanent` means staff must act (the pipeline parks the issuance).
    Call it outside a transaction. `first_attempt`: the caller's effect record shows no earlier attempt,
    so no row is looked for first (should one exist after all, the insert finds it and sends that).
    """
    message = None
    if not first_attempt:
        message = OutboxMessage.objects.filter(idempotency_key=credential_email_key(credential_id=credential.pk)).first()
    created = False
    if message is None:  # rendering is skipped on a re-run: the row already holds what was decided
        message, created = outbox_enqueue_created(draft=credential_email_compose(issuance=issuance, credential=credential))
    return outbox_send_message(message=message, created=created)


def delivery_send_still_needed_email(*, issuance: Issuance, reasons: list[str], programmes: list[str] = ()) -> DeliveryResult:
    """Tell an ineligible learner what they still need, once per issuance."""
    message = OutboxMessage.objects.filter(idempotency_key=still_needed_email_key(issuance_id=issuance.pk)).first()
    if message is None:
        message = outbox_enqueue(draft=still_needed_email_draft(issuance=issuance, reasons=reasons, programmes=programmes))
    return outbox_send_message(message=message)


def delivery_send_template_test(*, template: EmailTemplate, context: dict, to: str) -> DeliveryResult:
    """Send `template` as edited, with sample values, to a staff address, through the outbox like real mail."""
    draft = template_test_email_draft(template=template, context=context, to=to,
                                      key=template_test_email_key(template_id=template.pk))
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def delivery_send_test(*, message: OutboxMessage, to: str) -> DeliveryResult:
    """Send a copy of `message` to a staff address, marked as a test, through the same transport."""
    draft = EmailDraft(
        organization=message.organization, kind=OutboxMessage.Kind.TEST, idempotency_key=staff_copy_email_key(message_id=message.pk),
        recipient=to, subject=f"[Test] {message.subject}", text_body=message.text_body, html_body=message.html_body,
        from_email=message.from_email, reply_to=message.reply_to, attachments=list(message.attachments),
        headers={key: value for key, value in message.headers.items() if key != "Message-ID"},
    )
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def delivery_retry_for_issuance(*, issuance: Issuance) -> int:
    """Staff resumed a parked issuance: its refused emails get another try, to the learner's current address.

    Suppressed rows are re-checked against the suppression list when sent, so an address staff have
    not cleared parks the issuance again with the same clear reason. Copies to others are left alone: they
    never parked the issuance, and staff resend one from the outbox once its address is fixed.
    """
    retried = 0
    refused = issuance.outbox_messages.filter(status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.SUPPRESSED]).exclude(
        kind=OutboxMessage.Kind.CREDENTIAL_COPY)
    for message in refused:
        if message.kind in (OutboxMessage.Kind.CREDENTIAL, OutboxMessage.Kind.STILL_NEEDED):
            OutboxMessage.objects.filter(pk=message.pk).update(recipient=issuance.learner.email)
        retried += outbox_requeue(message_id=message.pk)
    return retried
