"""Sync health in words staff can act on: an issuance's outbound deliveries, a delivery's retries, a connection's state.

"Synced" means every delivery succeeded. An issuance whose credential was delivered while a delivery still waits or
has failed says so: "Delivered · sync pending: Credly", "Delivered · sync failing: HubSpot — <the error's sentence>".
A connection whose every call has failed for LAUREL_CONNECTION_UNHEALTHY_MINUTES (30) is unhealthy; the dashboard
has a card per connection (`connection_cards`) and the staff digest says once that one turned unhealthy.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q

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


def connection_health(connection: Connection, *, now: datetime) -> tuple[str, str]:
    """(tone, words): Disabled, Unhealthy since …, Failing since …, or Healthy; the tone is a pill's status."""
    if not connection.enabled:
        return "failed", "Disabled"
    since = connection_unhealthy_since(connection, now=now)
    if since is not None:
        return "failed", f"Unhealthy: every call has failed since {since:%d %b %H:%M} UTC"
    if connection.failing_since is not None:
        return "queued", f"Failing since {connection.failing_since:%H:%M} UTC"
    return "active", "Healthy"


def error_parts(error: str) -> tuple[str, str]:
    """An error as (its sentence, the technical detail to fold below it; '' when the sentence is all of it)."""
    sentence = _sentence(error)
    detail = error.partition(TECHNICAL)[2].strip() or (error.strip() if sentence.endswith("…") else "")
    return sentence, detail


def connection_fix(connection: Connection) -> str:
    """What staff do about a connection that keeps failing, from what its last error says."""
    error = connection.last_error
    page = "on the connection's page (Connections › Outbound connections)"
    if any(word in error for word in ("401", "403", "refused the client", "refused the username", "authentication", "token")):
        first = f"Give it a new secret ({connector_for(connection.kind).secret_label or 'its secret'}) {page}"
    elif "Could not reach" in error or "timed out" in error:
        first = f"Check its address and that the system is up {page}"
    else:
        first = f"Fix the setting or the account its error names {page}"
    return f"{first}, press “Send a test”, then retry its failed deliveries (Failed outbound deliveries)."


@dataclass
class ConnectionCard:
    """The dashboard's figures for one connection."""

    connection: Connection
    system: str
    tone: str
    state: str
    delivered_today: int = 0
    retrying: int = 0
    waiting: int = 0
    failed: int = 0
    oldest_waiting: datetime | None = None
    error: str = ""
    error_detail: str = ""
    error_at: datetime | None = None


def connection_cards(*, organizations: list[int], now: datetime, day_start: datetime) -> list[ConnectionCard]:
    """A card per connection of these organisations (delivered since `day_start`, the local midnight): two queries,
    whatever the number of connections or deliveries.

    Delivered today, retrying (an attempt failed, another is due), waiting and the oldest of them, and failed read
    one range each of outbound_connection_status_idx; the last error is kept on the connection by each failure.
    """
    connections = list(Connection.objects.filter(organization__in=organizations).select_related("organization")
                       .order_by("organization__name", "kind", "name"))
    if not connections:
        return []
    waiting = (Status.QUEUED, Status.SENDING)
    rows = (OutboundDelivery.objects.filter(connection__in=[c.pk for c in connections])
            .filter(Q(status__in=(*waiting, Status.FAILED)) | Q(status=Status.DONE, finished_at__gte=day_start))
            .order_by().values("connection_id")
            .annotate(delivered=Count("pk", filter=Q(status=Status.DONE)), failed=Count("pk", filter=Q(status=Status.FAILED)),
                      waiting=Count("pk", filter=Q(status__in=waiting)),
                      retrying=Count("pk", filter=Q(status__in=waiting, attempts__gt=0)),
                      oldest=Min("created_at", filter=Q(status__in=waiting))))
    figures = {row["connection_id"]: row for row in rows}
    cards = []
    for connection in connections:
        row = figures.get(connection.pk, {})
        label = connector_for(connection.kind).label
        tone, state = connection_health(connection, now=now)
        sentence, detail = error_parts(connection.last_error) if connection.last_error else ("", "")
        cards.append(ConnectionCard(
            connection=connection, system=label if connection.name in ("", connection.kind) else f"{label} “{connection.name}”",
            tone=tone, state=state, delivered_today=row.get("delivered", 0), retrying=row.get("retrying", 0),
            waiting=row.get("waiting", 0), failed=row.get("failed", 0), oldest_waiting=row.get("oldest"),
            error=sentence, error_detail=detail, error_at=connection.last_error_at))
    return cards
