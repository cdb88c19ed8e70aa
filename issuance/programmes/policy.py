"""When a constituent credential is revoked or expires, its programme's credential follows the
programme's policy (keep, suspend, revoke) through the revocation services; the audit says why and
the award keeps a notice for the staff digest. A credential the policy suspended is restored when the
requirement is met again without the lost constituent (`awards.py`, when the next constituent issues)."""

from django.utils import timezone

from audit.services import audit_record
from courses.models import Programme

from ..models import Credential, ProgrammeAward
from ..revocation import credential_revoke, credential_suspend

Status = Credential.Status
Policy = Programme.OnConstituentRevoked
FOLLOWED = {Status.REVOKED: "was revoked", Status.EXPIRED: "expired"}


def programme_constituent_lost(*, credential: Credential, to_status: str, reason: str = "") -> list[str]:
    """Apply each open award's policy that counted `credential`; returns the notices written."""
    if to_status not in FOLLOWED:
        return []
    notices = []
    awards = ProgrammeAward.objects.filter(constituents=credential, closed_at__isnull=True).select_related(
        "programme", "learner", "issuance")
    lost = Credential.objects.select_related("achievement").get(pk=credential.pk)
    for award in awards:
        programme = award.programme
        policy = programme.on_constituent_revoked
        why = (f"{lost.achievement.name} (credential {lost.pk}) {FOLLOWED[to_status]}"
               + (f" ({reason})" if reason else "") + f"; programme {programme.code}'s policy is to "
               + programme.get_on_constituent_revoked_display() + ".")
        held = Credential.objects.filter(issuance_id=award.issuance_id).first() if award.issuance_id else None
        if held is None or held.status not in (Status.ACTIVE, Status.SUSPENDED):
            notice = why + " The programme credential was not live; nothing changed."
        elif policy == Policy.REVOKE:
            credential_revoke(credential=held, reason=why)
            ProgrammeAward.objects.filter(pk=award.pk).update(closed_at=timezone.now(), closed_reason=why)
            notice = why + f" Programme credential {held.pk} revoked."
        elif policy == Policy.SUSPEND and held.status == Status.ACTIVE:
            credential_suspend(credential=held, reason=why)
            ProgrammeAward.objects.filter(pk=award.pk).update(suspended_for=lost)
            notice = why + f" Programme credential {held.pk} suspended."
        else:
            notice = why + f" Programme credential {held.pk} kept ({held.get_status_display().lower()})."
            if award.issuance_id:
                audit_record(issuance=award.issuance, from_state=held.status, to_state=held.status,
                             actor_kind="system", actor_label="programmes", detail=notice)
        unannounced = award.notice if award.notice and award.staff_notified_at is None else ""  # keep every notice until a digest
        ProgrammeAward.objects.filter(pk=award.pk).update(
            notice=f"{unannounced}\n{notice}".strip(), notice_at=timezone.now(), staff_notified_at=None)
        notices.append(notice)
    return notices


def on_credential_status_changed(sender, credential: Credential, to_status: str, reason: str = "", **kwargs) -> None:
    programme_constituent_lost(credential=credential, to_status=to_status, reason=reason)
