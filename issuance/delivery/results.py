"""What a send attempt tells its caller: sent, will retry, or never (and why)."""

from dataclasses import dataclass
from datetime import datetime

from ..models import OutboxMessage

Status = OutboxMessage.Status
PERMANENT = {Status.FAILED, Status.BOUNCED, Status.COMPLAINED, Status.SUPPRESSED}


@dataclass(frozen=True)
class DeliveryResult:
    """The outbox row's state after an attempt.

    `permanent` is True when this email will never be (or was never) received and retrying cannot
    help: the pipeline parks the issuance for staff. Otherwise the email is sent, or queued with
    `retry_at` and the outbox's sweep retries it.
    """

    message_id: int
    status: str
    permanent: bool
    detail: str
    retry_at: datetime | None = None
    possible_duplicate: bool = False

    @property
    def sent(self) -> bool:
        return self.status in (Status.SENT, Status.DELIVERED)

    def __str__(self) -> str:
        return f"outbox #{self.message_id} {self.status}: {self.detail}"


def delivery_result(*, message: OutboxMessage) -> DeliveryResult:
    if message.status in (Status.SENT, Status.DELIVERED):
        detail = f"accepted for {message.recipient}" + (f", provider id {message.provider_message_id}" if message.provider_message_id else "")
    else:
        detail = message.last_error or f"{message.get_status_display()} for {message.recipient}"
    return DeliveryResult(
        message_id=message.pk,
        status=message.status,
        permanent=message.status in PERMANENT,
        detail=detail,
        retry_at=message.next_attempt_at if message.status == Status.QUEUED else None,
        possible_duplicate=message.possible_duplicate,
    )
