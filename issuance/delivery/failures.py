"""What Laurel does when an email is given up on: one audit record, and the staff digest tells staff.

The receiver of `outbox_message_failed` (connected in `IssuanceConfig.ready`). It only writes rows:
a tracking webhook sends the signal, and some providers give up on a webhook after a few seconds.
"""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..models import OutboxMessage

# A staff member sees their own test fail in front of them, and a failed digest cannot announce itself.
NOT_ANNOUNCED = {OutboxMessage.Kind.TEST, OutboxMessage.Kind.STAFF_DIGEST}


def outbox_failure_record(*, message_id: int) -> bool:
    """Record a failed message once, however often and by whoever the signal is sent; True the first time.

    The audit record goes on the message's issuance (so the learner's timeline shows it) and the
    message's organisation; `staff_notified_at` left empty puts it in that organisation's next digest.
    """
    now = timezone.now()
    with transaction.atomic():
        if not OutboxMessage.objects.filter(pk=message_id, failure_recorded_at__isnull=True).update(failure_recorded_at=now):
            return False
        message = OutboxMessage.objects.select_related("issuance").get(pk=message_id)
        if message.kind in NOT_ANNOUNCED:
            OutboxMessage.objects.filter(pk=message_id).update(staff_notified_at=now)
        issuance = message.issuance
        state = issuance.state if issuance is not None else ""
        audit_record(
            issuance=issuance, organization=message.organization_id, from_state=state, to_state=state or message.status,
            actor_kind="system", actor_label="outbox",
            detail=f"The “{message.get_kind_display()}” email to {message.recipient} was not delivered "
                   f"({message.status}): {message.last_error or 'no detail given'}",
        )
    return True


def on_outbox_message_failed(sender, message: OutboxMessage, **kwargs) -> None:
    outbox_failure_record(message_id=message.pk)
