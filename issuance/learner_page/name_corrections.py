"""Staff's way out of a learner's wrong-name report: the existing name-correction reissue, or a reasoned decline."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..lifecycle.regenerate import credential_certificate_regenerate
from ..lifecycle.reissue import credential_corrected_email_refusal
from ..models import NameCorrectionRequest
from .emails import name_declined_email_queue

State = NameCorrectionRequest.State
REASON_MAX = 1000  # said in an email: a few sentences


class NotOpen(ValueError):
    """The request was already resolved."""


def _claim(report: NameCorrectionRequest) -> NameCorrectionRequest:
    report = NameCorrectionRequest.objects.select_for_update().select_related("credential__issuance").get(pk=report.pk)
    if report.state != State.OPEN:
        raise NotOpen(f"Request #{report.pk} is already {report.get_state_display().lower()}.")
    return report


def name_correction_reissue(*, report: NameCorrectionRequest, actor_user) -> NameCorrectionRequest:
    """Reissue the credential under the requested name (same id, re-signed, new PDF) and email the learner if it is live."""
    with transaction.atomic():
        report = _claim(report)
    credential = report.credential
    email = not credential_corrected_email_refusal(credential=credential)
    # Outside a transaction: it renders, signs and emails (the email goes through the outbox, once per certificate).
    credential_certificate_regenerate(
        credential=credential, actor_user=actor_user, learner_name=report.requested_name, email_learner=email,
        reason=f"the learner reported a wrong name on their page (name correction request #{report.pk})",
    )
    resolution = f"Reissued as {report.requested_name!r}" + ("; the learner was emailed." if email else ".")
    NameCorrectionRequest.objects.filter(pk=report.pk, state=State.OPEN).update(
        state=State.REISSUED, resolved_at=timezone.now(), resolved_by=actor_user, resolution=resolution)
    report.refresh_from_db()
    return report


def name_correction_decline(*, report: NameCorrectionRequest, actor_user, reason: str) -> NameCorrectionRequest:
    """Close the request unchanged, and tell the learner why by email, in their credential's language (audited)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("Say why the request is declined: the learner is told.")
    if len(reason) > REASON_MAX:
        raise ValueError(f"The reason is {len(reason)} characters; keep it under {REASON_MAX}.")
    with transaction.atomic():
        report = _claim(report)
        issuance = report.credential.issuance
        report.state, report.resolved_at, report.resolved_by, report.resolution = (
            State.DECLINED, timezone.now(), actor_user, reason)
        report.save(update_fields=["state", "resolved_at", "resolved_by", "resolution"])
        told = name_declined_email_queue(report=report) is not None
        audit_record(issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=issuance.state,
                     actor_kind="staff", actor_user=actor_user, actor_label=actor_user.get_username(),
                     detail=f"Name correction request #{report.pk} declined: {reason} "
                            + ("(the learner is emailed the reason)." if told else "(the learner's data was erased: no one was told)."))
    return report
