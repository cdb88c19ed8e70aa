"""Issue deliveries that go together in one bulk call: the row a worker took, and others of its connection due now.

A platform with a bulk endpoint (Accredible's v2 bulk create) takes many credentials a call, and its
rate limit counts calls, not credentials: in a burst, a worker that takes one due issue delivery
claims up to the connector's batch limit of its due neighbours the same way a single row is claimed
(each row's own conditional update, so two workers never send one row twice), and sends them together.
Their own queued tasks find them claimed or done and do nothing.
"""

from datetime import datetime

from django.db.models import F, Q

from ..models import OutboundDelivery
from .connectors.base import ISSUED

Status = OutboundDelivery.Status


def batch_companions_claim(delivery: OutboundDelivery, *, limit: int, now: datetime) -> list[OutboundDelivery]:
    """Claim up to `limit - 1` other due issue deliveries of `delivery`'s connection, oldest first.

    Only first attempts: a retry goes alone (its outcome may be unknown and is looked up first, or the
    bulk call refused it and the single call says exactly why).
    """
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    waiting = Q(due, connection_id=delivery.connection_id, status=Status.QUEUED, action=ISSUED, attempts=0,
                outcome_unknown=False)
    candidates = list(OutboundDelivery.objects.filter(waiting).exclude(pk=delivery.pk)
                      .order_by("created_at", "pk").values_list("pk", flat=True)[:limit - 1])
    claimed = [pk for pk in candidates
               if OutboundDelivery.objects.filter(waiting, pk=pk).update(
                   status=Status.SENDING, attempts=F("attempts") + 1, sending_started_at=now)]
    rows = OutboundDelivery.objects.select_related("connection", "issuance").in_bulk(claimed)
    return [rows[pk] for pk in claimed]
