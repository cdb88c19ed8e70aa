"""Queue entry points for outbound deliveries: thin, so a task that runs twice does no harm."""

from ..models import OutboundDelivery
from ..periodic import periodic_run
from ..step_queue import Kind, turn_enqueue, turn_take
from .deliveries import deliveries_due_ids, deliveries_recover_stuck, delivery_perform


def outbound_delivery_task(delivery_id: int) -> str:
    """A token (issuance/step_queue.py): attempt the delivery whose organisation's turn it is, else this one."""
    delivery = delivery_perform(delivery_id=int(turn_take(kind=Kind.DELIVERY) or delivery_id))
    return f"{delivery.action} → {delivery.connection.kind}: {delivery.status}"


def outbound_enqueue(*, delivery_ids: list[int], organization_id: int | None = None) -> None:
    """Attempt each row in the background, in its organisation's turn, once the transaction that planned it has committed."""
    if delivery_ids and organization_id is None:
        owners = dict(OutboundDelivery.objects.filter(pk__in=delivery_ids).values_list("pk", "organization_id"))
    for delivery_id in delivery_ids:
        owner = organization_id if organization_id is not None else owners.get(delivery_id)
        turn_enqueue(kind=Kind.DELIVERY, ref=delivery_id, organization_id=owner)


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
