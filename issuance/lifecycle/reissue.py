"""Reissue after a name correction: the same credential id, a new proof over the corrected name.

The Open Badges credential names the learner (credentialSubject.name), so a corrected name on the
PDF alone would leave a signed document that says otherwise. The credential is built again from
its row (same id, dates and status list entry) and signed now; the old signed document is kept
whole as a SignedBadgeRevision, which the audit record names with its SHA-256.
"""

import hashlib
import json
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..delivery.results import DeliveryResult
from ..delivery.sending import credential_email_compose
from ..models import Credential, SignedBadgeRevision, StatusList
from ..openbadges.credential_badge import credential_badge_build
from ..openbadges.issuer import organization_signer_for
from ..openbadges.sign import credential_sign
from .expiry import credential_shown_status


def credential_badge_resigned(*, credential: Credential) -> dict:
    """The credential built again as it now reads (the issuance's current learner name) and signed; not stored."""
    revocation = credential.status_entries.select_related("status_list").get(purpose=StatusList.Purpose.REVOCATION)
    organization = credential.issuance.organization
    # Speak as the issuer the credential and its status list were published under.
    signer = organization_signer_for(organization=organization, issuer_id=revocation.status_list.issuer_id)
    unsigned = credential_badge_build(credential=credential, issuer_id=signer.issuer_id, revocation=revocation)
    return credential_sign(credential=unsigned, private_key=signer.private_key,
                           verification_method=signer.verification_method, created=timezone.now())


def credential_badge_resign(*, credential: Credential, actor_user, reason: str, signed: dict | None = None) -> dict:
    """Sign the credential again as it now reads, or keep `signed` (from `credential_badge_resigned`). Returns the new document."""
    old = credential.badge
    if not old:
        raise ValueError("This credential has no signed Open Badges credential yet; the pipeline will sign it.")
    signed = signed or credential_badge_resigned(credential=credential)
    issuance = credential.issuance
    old_sha256 = hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(badge=signed)
        revision = SignedBadgeRevision.objects.create(credential=credential, document=old, sha256=old_sha256, reason=reason)
        audit_record(
            issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=issuance.state,
            actor_kind="staff", actor_user=actor_user, actor_label=actor_user.get_username(),
            detail=(f"Open Badges credential re-signed ({reason}) with {signed['proof'][0]['verificationMethod']}; "
                    f"same id. The document it replaces is kept whole as signed badge revision {revision.pk}, "
                    f"SHA-256 {old_sha256} (of its JSON with sorted keys)."),
        )
        # Connected platforms learn of the corrected name from the caller (lifecycle/regenerate.py,
        # `credential.updated`), which also re-renders the certificate.
    credential.badge = signed
    return signed


def credential_corrected_email_send(*, credential: Credential, certificate_sha256: str) -> DeliveryResult:
    """The credential email again, with the corrected PDF: once per certificate version, never for a dead credential."""
    refusal = credential_corrected_email_refusal(credential=credential)
    if refusal:
        raise ValueError(f"Not emailed: {refusal}")
    draft = credential_email_compose(issuance=credential.issuance, credential=credential)
    draft = replace(draft, idempotency_key=f"{draft.idempotency_key}:corrected:{certificate_sha256[:16]}")
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def credential_corrected_email_refusal(*, credential: Credential) -> str:
    shown = credential_shown_status(status=credential.status, valid_until=credential.valid_until)
    if shown != Credential.Status.ACTIVE:
        return f"the credential is {Credential.Status(shown).label.lower()}; its email would say it is valid."
    return ""
