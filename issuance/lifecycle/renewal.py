"""Renewal: a completion of the same course inside the renewal window replaces the credential it renews."""

from datetime import datetime, timedelta

from audit.services import audit_record

from ..models import Credential

Status = Credential.Status


def credential_renewal_window_open(*, credential: Credential, now: datetime) -> bool:
    """True from `renewal_window_days` before the end until the end (an expired one is replaced anyway)."""
    if credential.valid_until is None or credential.status != Status.ACTIVE:
        return False
    opens = credential.valid_until - timedelta(days=credential.achievement.renewal_window_days)
    return opens <= now < credential.valid_until


def credential_previous(*, held: list[Credential], achievement_id: int) -> Credential | None:
    """The learner's latest expired credential for this achievement that nothing has renewed yet."""
    expired = [c for c in held if c.achievement_id == achievement_id and c.status == Status.EXPIRED
               and not c.replaced_by.exists()]
    return max(expired, key=lambda c: c.issued_at, default=None)


def credential_supersede(*, credential: Credential, reason: str) -> None:
    """The renewed credential steps aside in the same transaction as its successor is created.

    Superseded is not live (the one-live-credential constraint allows the new one) and gets no
    more renewal reminders.
    """
    credential.status, credential.status_reason = Status.SUPERSEDED, reason
    credential.save(update_fields=["status", "status_reason"])
    issuance = credential.issuance
    audit_record(issuance=issuance, event=issuance.event, from_state=Status.ACTIVE, to_state=Status.SUPERSEDED,
                 actor_kind="system", actor_label="renewal", detail=f"Credential {credential.pk} superseded: {reason}")
