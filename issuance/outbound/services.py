"""What the pipeline and the status changes call: plan the deliveries for an event, then send or queue them."""

from ..models import Credential, Issuance, OutboundDelivery
from .connectors.base import CRM, ISSUED, PARKED, PLATFORM, WEBHOOK
from .deliveries import delivery_perform
from .plan import deliveries_plan
from .tasks import outbound_enqueue

Status = OutboundDelivery.Status


def outbound_platforms_issue(*, issuance: Issuance, credential: Credential) -> str:
    """Step 5, after Laurel's own signature: one attempt on each badge platform now, so the email can link it.

    A platform that fails does not hold the email back: its row stays queued for the outbound sweep.
    Call outside a transaction (the calls are not made under a database lock).
    """
    planned = deliveries_plan(issuance=issuance, credential=credential, action=ISSUED, stages={PLATFORM})
    results = [delivery_perform(delivery_id=delivery.pk) if delivery.status == Status.QUEUED else delivery for delivery in planned]
    return ", ".join(f"{d.connection.kind} {d.status}" for d in results)


def outbound_sync_issue(*, issuance: Issuance, credential: Credential) -> list[OutboundDelivery]:
    """Step 7: CRM records and webhook events, queued for the workers (call inside the step's transaction)."""
    planned = deliveries_plan(issuance=issuance, credential=credential, action=ISSUED, stages={CRM, WEBHOOK})
    outbound_enqueue(delivery_ids=[delivery.pk for delivery in planned if delivery.status == Status.QUEUED],
                     organization_id=issuance.organization_id)
    return planned


def outbound_credential_changed(*, credential: Credential, action: str, reason: str = "") -> list[OutboundDelivery]:
    """A revocation, suspension, reinstatement or correction travels to every connection that takes it."""
    issuance = Issuance.objects.select_related("organization", "learner", "course").get(pk=credential.issuance_id)
    planned = deliveries_plan(issuance=issuance, credential=credential, action=action, stages={PLATFORM, CRM, WEBHOOK},
                              reason=reason)
    outbound_enqueue(delivery_ids=[delivery.pk for delivery in planned if delivery.status == Status.QUEUED],
                     organization_id=issuance.organization_id)
    return planned


def outbound_issuance_parked(*, issuance: Issuance) -> list[OutboundDelivery]:
    planned = deliveries_plan(issuance=issuance, action=PARKED, stages={WEBHOOK})
    outbound_enqueue(delivery_ids=[delivery.pk for delivery in planned if delivery.status == Status.QUEUED],
                     organization_id=issuance.organization_id)
    return planned
