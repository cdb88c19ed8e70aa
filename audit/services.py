"""Writing the audit trail. Every state change in Laurel goes through `audit_record`."""

from .chain import audit_chain_append
from .models import AuditRecord


def audit_record(
    *,
    to_state: str,
    actor_kind: str,
    actor_label: str,
    from_state: str = "",
    issuance=None,
    event=None,
    actor_user=None,
    detail: str = "",
    organization=None,
) -> AuditRecord:
    """`organization` defaults to the issuance's, else the event's source's (read by attribute: audit
    imports nothing of the apps it records)."""
    organization_id = getattr(organization, "pk", organization)
    if actor_user is not None and getattr(actor_user, "pk", None) is None:
        actor_user = None  # a caller with no user row (an organisation's API key) is named by actor_label alone
    if organization_id is None and issuance is not None:
        organization_id = getattr(issuance, "organization_id", None)
    if organization_id is None and event is not None:
        organization_id = getattr(getattr(event, "source", None), "organization_id", None)
    return audit_chain_append(
        issuance=issuance,
        event=event,
        organization_id=organization_id,
        from_state=from_state,
        to_state=to_state,
        actor_kind=actor_kind,
        actor_user=actor_user,
        actor_label=actor_label,
        detail=detail[:2000],
    )
