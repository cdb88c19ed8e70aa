"""Step 6's copies: the credential email's news for the learner's manager and fixed addresses, one outbox row each.

Each copy is its own row with its own key (credential and address), so a retried step finds the row
and sends nothing twice, and the outbox retries each copy on its own schedule. A copy never holds up
or fails the learner's credential: a manager address that is not an address is recorded as a failed
row for staff (the audit trail, the outbox, the staff digest) and the learner's email goes regardless.
"""

from dataclasses import dataclass

from ..email.messages import credential_copy_email_draft
from ..idempotency_keys import credential_copy_key
from ..models import Credential, Issuance, OutboxMessage
from .copy_rules import CopyRecipient, copies_allowed, copy_attach_pdf, copy_recipients
from .outbox import outbox_enqueue, outbox_record_unsendable, outbox_send_message


@dataclass(frozen=True)
class CopyOutcome:
    recipient: CopyRecipient
    status: str
    detail: str = ""

    def __str__(self):
        who = "manager " if self.recipient.to_manager else ""
        return f"{who}{self.recipient.address} {self.status}" + (f" ({self.detail})" if self.detail else "")


def delivery_send_copies(*, issuance: Issuance, credential: Credential) -> list[CopyOutcome] | None:
    """Queue and send each configured copy once; None when copies are not allowed for this credential.

    Configured nowhere: returns [] without a query. Call it outside a transaction.
    """
    recipients = copy_recipients(issuance=issuance)
    if not recipients:
        return []
    if credential.learner_id == issuance.learner_id:
        credential.learner = issuance.learner  # already loaded with the issuance: no query to read it again
    if not copies_allowed(credential):
        return None
    attach = copy_attach_pdf(issuance=issuance)
    outcomes = []
    for recipient in recipients:
        key = credential_copy_key(credential_id=credential.pk, address=recipient.address)
        message = OutboxMessage.objects.filter(idempotency_key=key).first()
        if message is None:
            draft = credential_copy_email_draft(issuance=issuance, credential=credential, recipient=recipient.address,
                                                to_manager=recipient.to_manager, attach_pdf=attach)
            if recipient.problem:
                message = outbox_record_unsendable(draft=draft, reason=recipient.problem)
            else:
                message = outbox_enqueue(draft=draft)
        result = outbox_send_message(message=message)
        outcomes.append(CopyOutcome(recipient=recipient, status=result.status,
                                    detail="" if result.sent else (recipient.problem or result.detail)))
    return outcomes


def copies_summary(outcomes: list[CopyOutcome] | None) -> str:
    """How the copies went, for the issuance's timeline."""
    if outcomes is None:
        return " Copies: none, the learner may not be copied."
    if not outcomes:
        return ""
    return " Copies: " + "; ".join(str(outcome) for outcome in outcomes) + "."
