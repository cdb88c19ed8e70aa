"""An email as the composing side hands it to the outbox: everything it is, before it is a row."""

from dataclasses import dataclass, field

from courses.models import Organization

from ..models import Issuance


@dataclass(frozen=True)
class EmailDraft:
    """Everything an email is, before it is a row."""

    organization: Organization
    kind: str
    idempotency_key: str
    recipient: str
    subject: str
    text_body: str
    from_email: str
    recipient_name: str = ""
    html_body: str = ""
    reply_to: str = ""
    headers: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)
    issuance: Issuance | None = None
