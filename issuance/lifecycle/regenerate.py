"""Staff's explicit, audited re-render of a credential's certificate, keeping its id."""

from django.db import transaction

from audit.services import audit_record
from courses.templating.learner_text import learner_name_clean

from ..outbound.connectors.base import UPDATED
from .reissue import (credential_badge_resign, credential_badge_resigned, credential_corrected_email_refusal,
                      credential_corrected_email_send)
from ..outbound.services import outbound_credential_changed
from ..certificates.credential_certificate import StoredCertificate, credential_certificate_store


def credential_certificate_regenerate(*, credential, actor_user, reason: str, learner_name: str | None = None,
                                     email_learner: bool = False) -> StoredCertificate:
    """Render the certificate again (after a name correction or a template change) and record who, why and both hashes.

    The credential keeps its id, so every link and QR code already shared still works; the old PDF
    stays in storage and its SHA-256 is kept in the audit trail. A corrected name also re-signs the
    Open Badges credential (issuance/lifecycle/reissue.py), and `email_learner` sends the learner
    the corrected credential.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("Say why the certificate is regenerated.")
    if email_learner and (refusal := credential_corrected_email_refusal(credential=credential)):
        raise ValueError(f"the learner cannot be emailed: {refusal} Regenerate without emailing them.")
    issuance = credential.issuance
    old_name = issuance.learner_name
    # A corrected name is refused by the rule intake's names are (no invisible or control characters).
    new_name = learner_name_clean(learner_name) if learner_name else old_name
    if not credential.badge:
        raise ValueError("The credential has no signed Open Badges credential yet, and its certificate carries it: "
                         "resume its issuance, which signs it and renders the certificate.")
    issuance.learner_name = new_name
    # Signed first (not stored yet), so the PDF carries the credential with the corrected name; a
    # render that fails stores neither.
    resigned = credential_badge_resigned(credential=credential) if new_name != old_name else None
    stored = credential_certificate_store(credential=credential, badge=resigned)
    with transaction.atomic():
        if new_name != old_name:
            type(issuance).objects.filter(pk=issuance.pk).update(learner_name=new_name)
        credential.save(update_fields=["pdf", "pdf_sha256", "template_version"])
        if new_name != old_name:  # platforms and CRMs that allow an update get the corrected name
            outbound_credential_changed(credential=credential, action=UPDATED)
        renamed = f" Name corrected from {old_name!r} to {new_name!r}." if new_name != old_name else ""
        audit_record(
            issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=issuance.state,
            actor_kind="staff", actor_user=actor_user, actor_label=actor_user.get_username(),
            detail=(f"Certificate regenerated: {reason}.{renamed} Template v{stored.template_version}; "
                    f"SHA-256 was {stored.previous_sha256 or 'none'}, now {stored.sha256}."),
        )
    if resigned is not None:
        credential_badge_resign(credential=credential, actor_user=actor_user, reason=f"name corrected: {reason}", signed=resigned)
    if email_learner:
        credential_corrected_email_send(credential=credential, certificate_sha256=stored.sha256)
    return stored
