"""Deciding what goes out: one delivery row per (credential, connection, action), made once per idempotency key."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Connection, ConnectionMapping, Credential, Issuance, OutboundDelivery
from .connectors.base import ISSUED, REVOKED
from .registry import connector_for
from .payloads import credential_facts, credential_payload, issuance_payload

Status = OutboundDelivery.Status
# These happen once in a credential's life; the others (suspend, reinstate, update) may repeat.
ONCE = {ISSUED, REVOKED, "credential.expired", "credential.expiring"}


def _key(connection: Connection, action: str, issuance: Issuance, credential: Credential | None) -> str:
    subject = credential.pk if credential is not None else issuance.pk
    base = f"outbound:{connection.pk}:{action}:{subject}"
    if action in ONCE:
        return base
    # A suspension, a reinstatement, a correction or a parking may happen again: each its own row.
    earlier = OutboundDelivery.objects.filter(connection=connection, issuance=issuance, credential=credential, action=action)
    return f"{base}:{earlier.count() + 1}"


def _create(*, connection, issuance, credential, action, payload, status=Status.QUEUED, error="") -> OutboundDelivery | None:
    key = _key(connection, action, issuance, credential)
    try:
        with transaction.atomic():
            return OutboundDelivery.objects.create(
                organization_id=issuance.organization_id, connection=connection, issuance=issuance, credential=credential,
                action=action, idempotency_key=key, payload=payload, status=status, last_error=error,
                finished_at=timezone.now() if status != Status.QUEUED else None,
            )
    except IntegrityError:
        return OutboundDelivery.objects.filter(idempotency_key=key).first()  # planned before: the same row


def deliveries_plan(*, issuance: Issuance, action: str, stages: set[str], credential: Credential | None = None,
                    reason: str = "") -> list[OutboundDelivery]:
    """The rows for this event on every enabled connection of the organisation whose kind handles it."""
    now = timezone.now().isoformat()
    if credential is not None:
        data = credential_payload(credential=credential, issuance=issuance, reason=reason)
    else:
        data = issuance_payload(issuance=issuance)
    planned = []
    for connection in Connection.objects.filter(organization_id=issuance.organization_id, enabled=True).order_by("pk"):
        connector = connector_for(connection.kind)
        if connector.stage not in stages or action not in connector.actions or not connector.subscribed(connection.settings, action):
            continue
        payload = {"type": action, "timestamp": now, "data": data}
        if connector.wants_facts and credential is not None:
            payload["facts"] = credential_facts(credential=credential, connection=connection)
        status, error = Status.QUEUED, ""
        if connector.needs_mapping:
            mapping = ConnectionMapping.objects.filter(connection=connection, achievement_id=credential.achievement_id).first()
            if mapping is None:
                if action != ISSUED:
                    continue
                status, error = Status.SKIPPED, f"{credential.achievement.name} is not mapped to anything on this {connection.kind} connection."
            else:
                payload["remote_template"] = mapping.remote_id
        if action == REVOKED and connector.needs_mapping:
            _cancel_unsent_issue(connection=connection, credential=credential)
        delivery = _create(connection=connection, issuance=issuance, credential=credential, action=action,
                           payload=payload, status=status, error=error)
        if delivery is not None:
            planned.append(delivery)
    return planned


def _cancel_unsent_issue(*, connection: Connection, credential: Credential) -> None:
    """A credential revoked before it reached the platform is not issued there any more."""
    OutboundDelivery.objects.filter(
        connection=connection, credential=credential, action=ISSUED, status__in=[Status.QUEUED, Status.FAILED],
        outcome_unknown=False, remote_id="",
    ).update(status=Status.SKIPPED, next_attempt_at=None, finished_at=timezone.now(),
             last_error="The credential was revoked before it was issued here.")


def platform_claim_links(*, credential: Credential) -> list[dict]:
    """The platforms' pages for this credential (Credly's claim page, Accredible's credential page), for the email."""
    done = OutboundDelivery.objects.filter(credential=credential, action=ISSUED, status=Status.DONE).exclude(remote_url="")
    return [{"name": connector_for(delivery.connection.kind).label, "url": delivery.remote_url} for delivery in done.select_related("connection")]

