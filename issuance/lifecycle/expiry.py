"""Expiry: when a credential's `valid_until` has passed, it is expired everywhere at once.

Two halves. `credential_shown_status` is what every reader (the public page, the API, the admin)
shows, so a credential past its end reads "expired" even before the daily job has run.
`credential_expire` is the one transition active → expired, run by the daily job; it records the
change in the audit trail, and is where outbound connectors learn of it.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_record

from ..outbound.connectors.base import EXPIRED
from ..models import Credential, Issuance
from ..outbound.services import outbound_credential_changed
from ..transitions import issuance_mark_expired
from .signals import credential_status_changed

Status = Credential.Status
EXPIRY_ACTOR = "daily expiry job"
EXPIRE_BATCH = 200


def credential_past_end(*, valid_until: datetime | None, now: datetime | None = None) -> bool:
    return valid_until is not None and valid_until <= (now or timezone.now())


def credential_shown_status(*, status: str, valid_until: datetime | None, now: datetime | None = None) -> str:
    """The status a person should see: an active credential past its end is expired, job or no job."""
    if status == Status.ACTIVE and credential_past_end(valid_until=valid_until, now=now):
        return Status.EXPIRED
    return status


def credentials_shown_as(*, status: str, now: datetime | None = None) -> Q:
    """A filter matching credentials whose shown status is `status` (for admin filters and the API)."""
    now = now or timezone.now()
    past_end = Q(valid_until__isnull=False, valid_until__lte=now)
    if status == Status.EXPIRED:
        return Q(status=Status.EXPIRED) | (Q(status=Status.ACTIVE) & past_end)
    if status == Status.ACTIVE:
        return Q(status=Status.ACTIVE) & ~past_end
    return Q(status=status)


def credential_expire(*, credential: Credential, now: datetime | None = None) -> bool:
    """Move one active credential whose end has passed to expired. True if this call moved it.

    A conditional UPDATE, so two jobs running at once expire (and announce) it once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        moved = Credential.objects.filter(
            pk=credential.pk, status=Status.ACTIVE, valid_until__isnull=False, valid_until__lte=now
        ).update(status=Status.EXPIRED, status_reason="")
        if not moved:
            return False
        issuance = Issuance.objects.get(pk=credential.issuance_id)
        # A finished issuance reads "expired" in the admin too; one still moving (or parked) keeps its state.
        issuance_mark_expired(issuance=issuance, now=now)
        audit_record(
            issuance=issuance, event=issuance.event, from_state=Status.ACTIVE, to_state=Status.EXPIRED,
            actor_kind="system", actor_label=EXPIRY_ACTOR,
            detail=f"Credential {credential.pk} expired: it was valid until {credential.valid_until:%Y-%m-%d %H:%M %Z}.",
        )
        credential.status, credential.status_reason = Status.EXPIRED, ""
        # Once per credential (only the call that moved it gets here), sent only if this move commits.
        outbound_credential_changed(credential=credential, action=EXPIRED)
        credential_status_changed.send(sender=Credential, credential=credential, from_status=Status.ACTIVE,
                                       to_status=Status.EXPIRED, reason=f"it was valid until {credential.valid_until:%Y-%m-%d}")
    return True


def credentials_due_to_expire(*, now: datetime | None = None, organization_slug: str = "") -> QuerySet:
    queryset = Credential.objects.filter(status=Status.ACTIVE, valid_until__isnull=False, valid_until__lte=now or timezone.now())
    if organization_slug:
        queryset = queryset.filter(issuance__organization__slug=organization_slug)
    return queryset.order_by("valid_until")


def credentials_expire_due(*, now: datetime | None = None, organization_slug: str = "", stop=None) -> int:
    """The daily job's first half: expire every active credential whose end has passed.

    Each credential commits on its own; `stop()`, asked after each batch of EXPIRE_BATCH, ends the work
    early (a periodic run's budget): what is left is still due, and the next run expires it."""
    now = now or timezone.now()
    due = credentials_due_to_expire(now=now, organization_slug=organization_slug).only("pk", "issuance_id", "valid_until")
    expired = 0
    while True:
        batch = list(due[:EXPIRE_BATCH])
        expired += sum(credential_expire(credential=credential, now=now) for credential in batch)
        if len(batch) < EXPIRE_BATCH or (stop and stop()):
            return expired
