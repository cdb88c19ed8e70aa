"""The one place each idempotency key is spelled: an outside effect is made at most once per key.

The outbox finds an email's row by its key and the effects table records each step's effect by
it, so a key built two ways would send the same email twice.
"""

import hashlib
import uuid
from datetime import datetime


def credential_email_key(*, credential_id) -> str:
    return f"credential-email:{credential_id}"


def credential_copy_key(*, credential_id, address: str) -> str:
    """One copy per credential and address, however it is spelled: the address is hashed to fit the key."""
    digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:24]
    return f"credential-copy:{credential_id}:{digest}"


def still_needed_email_key(*, issuance_id) -> str:
    return f"still-needed-email:{issuance_id}"


def staff_digest_key(*, organization_id: int, at: datetime) -> str:
    return f"staff-digest:{organization_id}:{at.isoformat()}"


def template_test_email_key(*, template_id) -> str:
    """A staff member's test of a template being edited: each click is its own email."""
    return f"template-test:{template_id}:{uuid.uuid4()}"


def staff_copy_email_key(*, message_id) -> str:
    """Every copy staff send themselves as a test is its own email: staff may send the same message to themselves again."""
    return f"test:{message_id}:{uuid.uuid4()}"


def invitation_email_key(*, invitation_id: int) -> str:
    return f"invitation-email:{invitation_id}"
