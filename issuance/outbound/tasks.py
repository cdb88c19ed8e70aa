"""Queue entry points for outbound deliveries: thin, so a task that runs twice does no harm."""

from django.db import transaction
from django_q.tasks import async_task

from ..periodic import periodic_run
from ..step_queue import queue_broker
from .deliveries import deliveries_due_ids, deliveries_recover_stuck, delivery_perform


def outbound_delivery_task(delivery_id: int) -> str:
    delivery = delivery_perform(delivery_id=int(delivery_id))
    return f"{delivery.action} → {delivery.connection.kind}: {delivery.status}"


def outbound_enqueue(*, delivery_ids: list[int]) -> None:
    """Attempt each row in the background once the transaction that planned it has committed."""
    for delivery_id in delivery_ids:
        transaction.on_commit(
            lambda delivery_id=delivery_id: async_task("issuance.outbound.tasks.outbound_delivery_task", delivery_id,
                                                       broker=queue_broker()))


def outbound_sweep() -> str:
    """Scheduled every minute: rows a dead worker left in `sending`, then every row that is due."""
    with periodic_run(name="outbound-sweep") as budget:
        if budget is None:
            return "skipped: the previous outbound sweep is still running, or housekeeping has its share of workers"
        recovered = deliveries_recover_stuck()
        ids = deliveries_due_ids()
        results = []
        for delivery_id in ids:  # each commits on its own; what the budget leaves waits for the next run
            if budget.spent():
                break
            results.append(delivery_perform(delivery_id=delivery_id))
        done = sum(delivery.status == delivery.Status.DONE for delivery in results)
        return f"recovered {recovered} stuck, {done} of {len(ids)} due done"
