"""Sync health in words staff can act on: an issuance's outbound deliveries, a delivery's retries, a connection's state.

"Synced" means every delivery succeeded. An issuance whose credential was delivered while a delivery still waits or
has failed says so: "Delivered · sync pending: Credly", "Delivered · sync failing: HubSpot — <the error's sentence>".
A connection whose every call has failed for LAUREL_CONNECTION_UNHEALTHY_MINUTES (30) is unhealthy.
"""

from datetime import datetime, timedelta

from django.conf import settings

from ..outgoing.guard import TECHNICAL
from ..models import Connection, Issuance, OutboundDelivery
from .registry import connector_for

Status = OutboundDelivery.Status
OPEN = (Status.QUEUED, Status.SENDING, Status.FAILED)
AFTER_DELIVERY = (Issuance.State.DELIVERED, Issuance.State.SYNCED)


def _system(delivery: OutboundDelivery) -> str:
    connection = delivery.connection
    label = connector_for(connection.kind).label
    return label if connection.name in ("", connection.kind) else f"{label} “{connection.name}”"


def _sentence(error: str) -> str:
    text = error.partition(TECHNICAL)[0].strip()
    if text.startswith("Attempt ") and ": " in text:
        text = text.split(": ", 1)[1]  # "Attempt 3: Could not reach …" → the sentence
    return text[:160] + ("…" if len(text) > 160 else "")


def issuance_sync_label(issuance: Issuance, open_deliveries: list[OutboundDelivery], *, why: bool = True) -> str:
    """The state's label with its sync beside it, from the issuance's deliveries that are not done or skipped
    (`why`: with the first failure's sentence; a list's one line leaves it for the hover)."""
    label = issuance.get_state_display()
    if issuance.state not in AFTER_DELIVERY or not open_deliveries:
        return label
    failing = [d for d in open_deliveries if d.status == Status.FAILED]
    if failing:
        first = failing[0]
        more = f" and {len(failing) - 1} more" if len(failing) > 1 else ""
        return f"Delivered · sync failing: {_system(first)}{more}" + (f" — {_sentence(first.last_error)}" if why else "")
    systems = ", ".join(sorted({_system(d) for d in open_deliveries}))
    return f"Delivered · sync pending: {systems}"


def delivery_progress(delivery: OutboundDelivery) -> str:
    """A delivery's status as staff read it: "retrying (attempt 3 of 6, next at 14:05 UTC)", "waiting (…)"."""
    if delivery.status != Status.QUEUED or delivery.next_attempt_at is None:
        return delivery.get_status_display()
    at = f"{delivery.next_attempt_at:%H:%M} UTC"
    if delivery.attempts == 0:  # held back without a call: the connection's limit, a pause, the issue call first
        return f"waiting (next at {at})"
    total = len(connector_for(delivery.connection.kind).retry_delays) + 1
    return f"retrying (attempt {delivery.attempts + 1} of {total}, next at {at})"


def connection_unhealthy_since(connection: Connection, *, now: datetime) -> datetime | None:
    """When the connection started failing every call, if that was long enough ago to call it unhealthy."""
    since = connection.failing_since
    if since is None or not connection.enabled:
        return None
    return since if since <= now - timedelta(minutes=settings.LAUREL_CONNECTION_UNHEALTHY_MINUTES) else None
