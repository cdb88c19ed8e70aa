"""Revoking, suspending and restoring credentials: nothing is deleted, every change is audited, lists re-signed."""

from django.db import transaction

from audit.services import audit_record

from .outbound.connectors.base import REINSTATED, REVOKED, SUSPENDED
from .lifecycle.notices import credential_revocation_notice_send
from .lifecycle.signals import credential_status_changed
from .models import Credential
from .openbadges.status_lists import status_lists_touch
from .outbound.services import outbound_credential_changed
from .transitions import issuance_stop_revoked

Status = Credential.Status
OUTBOUND_ACTIONS = {Status.REVOKED: REVOKED, Status.SUSPENDED: SUSPENDED, Status.ACTIVE: REINSTATED}


class CredentialStatusError(ValueError):
    """A status change that cannot be made as asked."""


class ReasonRequired(CredentialStatusError):
    pass


class StatusConflict(CredentialStatusError):
    """The credential is not in a status this change applies to (e.g. it is revoked already)."""


def _actor(actor) -> dict:
    if actor is None:
        return {"actor_kind": "system", "actor_user": None, "actor_label": "system"}
    return {"actor_kind": "staff", "actor_user": actor, "actor_label": actor.get_username()}


def _change(*, credential: Credential, to_status: str, allowed_from: set[str], reason: str, actor, verb: str) -> Credential:
    with transaction.atomic():
        locked = Credential.objects.select_for_update(no_key=True).select_related("issuance").get(pk=credential.pk)
        if locked.status not in allowed_from:
            raise StatusConflict(f"Credential {locked.pk} is {locked.get_status_display().lower()}; it cannot be {verb}.")
        from_status = locked.status
        # The reason stays on the credential while it explains its status; a restore is told in the audit only.
        locked.status, locked.status_reason = to_status, "" if to_status == Status.ACTIVE else reason
        locked.save(update_fields=["status", "status_reason"])
        status_lists_touch(credential=locked)
        issuance = locked.issuance
        detail = f"Credential {locked.pk} {verb}" + (f": {reason}" if reason else ".")
        if to_status == Status.REVOKED:
            issuance_stop_revoked(issuance=issuance, detail=detail, **_actor(actor))
        else:
            audit_record(issuance=issuance, event=issuance.event, from_state=from_status, to_state=to_status,
                         detail=detail, **_actor(actor))
        # The change travels to every badge platform, CRM and webhook that takes it, once it is committed.
        outbound_credential_changed(credential=locked, action=OUTBOUND_ACTIONS[to_status], reason=reason)
        credential_status_changed.send(sender=Credential, credential=locked, from_status=from_status, to_status=to_status,
                                       reason=reason)
    credential.status, credential.status_reason = locked.status, locked.status_reason
    return locked


def _reason(reason: str | None) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonRequired("Give a reason: it is recorded in the audit trail and shown on the public page.")
    return cleaned[:1000]


def credential_revoke(*, credential: Credential, reason: str, actor=None, notify_learner: bool = False) -> Credential:
    """Revoke for good (the public page, the status list and the OB 2.0 assertion say so at once).

    With `notify_learner`, the learner is emailed the revocation notice once the change has committed.
    """
    revoked = _change(credential=credential, to_status=Status.REVOKED, reason=_reason(reason), actor=actor,
                      allowed_from={Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED, Status.SUPERSEDED}, verb="revoked")
    if notify_learner:
        credential_revocation_notice_send(credential=revoked)
    return revoked


def credential_suspend(*, credential: Credential, reason: str, actor=None) -> Credential:
    """Put an active credential on hold until `credential_unsuspend`."""
    return _change(credential=credential, to_status=Status.SUSPENDED, reason=_reason(reason), actor=actor,
                   allowed_from={Status.ACTIVE}, verb="suspended")


def credential_unsuspend(*, credential: Credential, reason: str, actor=None) -> Credential:
    """Restore a suspended credential. A reason is required, as for suspending: lifting a hold is as
    much a decision about a learner's record as placing one, and the audit trail says why."""
    return _change(credential=credential, to_status=Status.ACTIVE, reason=_reason(reason), actor=actor,
                   allowed_from={Status.SUSPENDED}, verb="restored")
