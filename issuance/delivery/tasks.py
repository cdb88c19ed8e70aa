"""Queue entry points for the outbox: thin, so a task that runs twice does no harm."""

from django.core.mail import get_connection
from ..models import OutboxMessage
from ..periodic import periodic_run
from ..step_queue import Kind, turn_enqueue, turn_take
from .outbox import outbox_due_ids, outbox_recover_stuck, outbox_send


def outbox_send_task(message_id: int) -> str:
    """A token (issuance/step_queue.py): send the email whose organisation's turn it is, else this one."""
    return str(outbox_send(message_id=int(turn_take(kind=Kind.EMAIL) or message_id)))


def outbox_enqueue_send(*, message_id: int, organization_id: int | None = None) -> None:
    """Send in the background, in its organisation's turn, once the row's transaction has committed."""
    if organization_id is None:
        organization_id = OutboxMessage.objects.filter(pk=message_id).values_list("organization_id", flat=True).first()
    turn_enqueue(kind=Kind.EMAIL, ref=message_id, organization_id=organization_id)


def outbox_sweep() -> str:
    """Scheduled every minute: resolve rows a dead worker left in `sending`, then send what is due.

    Each email commits on its own; once the periodic budget is spent the rest wait for the next run.
    """
    with periodic_run(name="outbox-sweep") as budget:
        if budget is None:
            return "skipped: the previous outbox sweep is still running, or housekeeping has its share of workers"
        recovered = outbox_recover_stuck()
        ids = outbox_due_ids()
        connection = get_connection()  # one session for the whole batch
        results = []
        for message_id in ids:
            if budget.spent():
                break
            results.append(outbox_send(message_id=message_id, connection=connection))
        connection.close()
        sent = sum(result.sent for result in results)
        return f"recovered {recovered} stuck, sent {sent} of {len(ids)} due"
