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
) -> AuditRecord:
    return audit_chain_append(
        issuance=issuance,
        event=event,
        from_state=from_state,
        to_state=to_state,
        actor_kind=actor_kind,
        actor_user=actor_user,
        actor_label=actor_label,
        detail=detail[:2000],
    )
