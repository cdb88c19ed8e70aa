"""Renewal: a completion of the same course inside the renewal window replaces the credential it renews; an imported
original meeting a live credential renews it or is recorded beside it (one rule for the dry run and the pipeline)."""

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


# An original brought over from another platform (issuance/imports) meeting the learner's live credential of the same
# achievement: asked by the import's dry run, to say what will happen, and by the pipeline's decision, which does it.
RENEW, BESIDE = "renew", "beside"


def import_meets_live(*, issued_at: datetime, expires_at: datetime | None, live, now: datetime) -> tuple[str, str]:
    """(RENEW or BESIDE, the reason a person reads) for an original issued at `issued_at` whose learner holds `live`.

    The one live credential per achievement is the most recent: an original issued after an active credential renews
    it (that one becomes superseded, as a completion's renewal would make it); otherwise the live credential is kept as
    is and the original is recorded beside it, as history (superseded, or expired if its end has passed), never emailed.
    A suspended credential is never renewed by an import: lifting a suspension is staff's call.
    """
    name, held = live.achievement.name, f"issued {live.issued_at:%Y-%m-%d}"
    if expires_at is not None and expires_at <= now:
        return BESIDE, (f"recorded beside the live {name} credential ({held}), which is kept as is: imported as expired "
                        f"history, not emailed")
    if live.status == "suspended":
        return BESIDE, (f"recorded beside the suspended {name} credential ({held}), which is kept as is (an import does "
                        f"not lift a suspension): imported as superseded history, not emailed")
    if issued_at > live.issued_at:
        return RENEW, f"renews the live {name} credential ({held}), which becomes superseded"
    return BESIDE, (f"recorded beside the live {name} credential ({held}, more recent), which is kept as is: imported "
                    f"as superseded history, not emailed")
