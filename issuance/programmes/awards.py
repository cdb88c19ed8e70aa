"""Which programmes a learner now satisfies, the award row that lets each issue exactly once, and a
programme credential its policy suspended restored when the requirement is met again."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from courses.models import Programme
from courses.programmes import HeldConstituent, ProgrammeProgress, programme_progress

from ..completions import Completion
from ..models import Credential, Issuance, Learner, ProgrammeAward
from ..revocation import credential_unsuspend

Status = Credential.Status
LIVE = [Status.ACTIVE, Status.SUSPENDED]
NOT_COUNTED = [Status.REVOKED, Status.SUPERSEDED]  # a renewed credential counts through its successor


def held_constituents(*, credentials, now: datetime | None = None) -> list[HeldConstituent]:
    """The learner's credentials as a programme counts them: never a revoked one; valid if active and unexpired."""
    now = now or timezone.now()
    return [
        HeldConstituent(
            achievement_id=c.achievement_id, credential_id=c.pk, issued_at=c.issued_at,
            valid=c.status == Status.ACTIVE and (c.valid_until is None or c.valid_until > now),
        )
        for c in credentials if c.status not in NOT_COUNTED
    ]


def learner_programme_progress(*, learner: Learner, programme: Programme, now: datetime | None = None) -> ProgrammeProgress:
    credentials = Credential.objects.filter(
        learner=learner, achievement__programme_constituents__programme=programme).exclude(status__in=NOT_COUNTED)
    return programme_progress(programme=programme, held=held_constituents(credentials=credentials, now=now))


def learner_programmes_progress(*, learner: Learner) -> list[tuple[Programme, ProgrammeProgress]]:
    """Each programme of the learner's organisation counting an achievement they hold a credential of, by name,
    and where they stand on it: what their page (/me) and their history in the admin both show."""
    held = Credential.objects.filter(learner=learner).values_list("achievement_id", flat=True)
    programmes = Programme.objects.filter(organization_id=learner.organization_id,
                                          constituents__achievement_id__in=held).distinct().order_by("name")
    return [(programme, learner_programme_progress(learner=learner, programme=programme)) for programme in programmes]


def _award_open_elsewhere(*, programme: Programme, learner: Learner) -> bool:
    """True while an open award stands for this learner; an award whose issuance ended without a live
    credential (ineligible, a duplicate, its credential revoked or expired) is closed here, so they may earn it again."""
    award = ProgrammeAward.objects.filter(programme=programme, learner=learner, closed_at__isnull=True).select_related(
        "issuance").first()
    if award is None:
        return False
    issuance = award.issuance
    if issuance is None or issuance.finished_at is None:
        return True
    if Credential.objects.filter(issuance=issuance, status__in=LIVE).exists():
        return True
    ProgrammeAward.objects.filter(pk=award.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_reason=f"Its issuance ended {issuance.get_state_display().lower()} without a live credential.")
    return False


def _completed_at(counted: list[Credential]) -> datetime:
    """The programme was completed when its last counted constituent was."""
    dates = []
    for credential in counted:
        try:
            dates.append(Completion.from_json(credential.issuance.completion).completed_at)
        except (KeyError, ValueError, TypeError):
            dates.append(credential.valid_from)
    return max(dates)


def programme_award_claim(*, programme: Programme, learner: Learner, now: datetime | None = None
                          ) -> tuple[ProgrammeAward, Completion] | None:
    """In the caller's transaction: an award if the learner satisfies the programme and holds no award or
    live credential for it, with the completion to open its issuance with; else None. A concurrent caller
    that inserted the same award first wins; this one gets None."""
    now = now or timezone.now()
    if Credential.objects.filter(learner=learner, achievement_id=programme.course.achievement_id, status__in=LIVE).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)).exists():
        return None
    if _award_open_elsewhere(programme=programme, learner=learner):
        return None
    progress = learner_programme_progress(learner=learner, programme=programme, now=now)
    if not progress.satisfied:
        return None
    try:
        with transaction.atomic():
            award = ProgrammeAward.objects.create(programme=programme, learner=learner)
    except IntegrityError:  # another worker's completion awarded it a moment ago
        return None
    counted = list(Credential.objects.filter(pk__in=progress.counted).select_related("issuance", "achievement"))
    award.constituents.set(counted)
    completion = Completion(
        course_id=programme.course_id, email=learner.email,
        name=max(counted, key=lambda c: c.issued_at).issuance.learner_name or learner.name, completed_at=_completed_at(counted),
        extra={"programme": programme.code, "constituent_credentials": [str(c.pk) for c in counted]},
    )
    return award, completion


def programme_awards_claim(*, learner: Learner, achievement_id: int, earned: Credential | None = None
                           ) -> list[tuple[ProgrammeAward, Completion]]:
    """`programme_award_claim` for each active programme of the learner's organisation counting this
    achievement; with `earned` (the constituent credential just issued), first `programme_award_restore`."""
    now = timezone.now()
    programmes = Programme.objects.filter(
        organization_id=learner.organization_id, constituents__achievement_id=achievement_id, course__is_active=True,
    ).select_related("course", "course__achievement").distinct()
    claimed = []
    for programme in programmes:
        if earned is not None:
            programme_award_restore(programme=programme, credential=earned)
        claimed.append(programme_award_claim(programme=programme, learner=learner, now=now))
    return [claim for claim in claimed if claim is not None]


def _suspended_by_policy(held: Credential, lost: Credential) -> bool:
    """The programme credential is still on the hold its policy placed, not on one staff placed since."""
    return held.status == Status.SUSPENDED and held.status_reason.startswith(f"{lost.achievement.name} (credential {lost.pk})")


def programme_award_restore(*, programme: Programme, credential: Credential) -> str | None:
    """In the caller's transaction, when `credential` (a constituent of `programme`) has just been issued:
    the learner's programme credential that its policy suspended for a lost constituent is restored once
    the requirement is met again without the lost one, the audit naming both; returns the notice written."""
    awards = ProgrammeAward.objects.filter(
        programme=programme, learner_id=credential.learner_id, closed_at__isnull=True, suspended_for__isnull=False,
    ).select_related("programme", "issuance", "suspended_for__achievement")
    for award in awards:  # at most one: one open award per learner and programme
        lost = award.suspended_for
        held = Credential.objects.filter(issuance_id=award.issuance_id).first() if award.issuance_id else None
        if held is None or not _suspended_by_policy(held, lost):
            ProgrammeAward.objects.filter(pk=award.pk).update(suspended_for=None)  # staff changed it since: theirs now
            return None
        progress = programme_progress(programme=programme, held=held_constituents(
            credentials=Credential.objects.filter(learner_id=credential.learner_id,
                                                  achievement__programme_constituents__programme=programme).exclude(pk=lost.pk)))
        if not progress.satisfied:
            return None
        earned = Credential.objects.select_related("achievement").get(pk=credential.pk)
        why = (f"{earned.achievement.name} earned again (credential {earned.pk}): programme {programme.code} is met again "
               f"without {lost.achievement.name} (credential {lost.pk}), whose loss its policy had suspended it for.")
        credential_unsuspend(credential=held, reason=why)
        award.constituents.set(progress.counted)
        notice = why + f" Programme credential {held.pk} restored."
        unannounced = award.notice if award.notice and award.staff_notified_at is None else ""
        ProgrammeAward.objects.filter(pk=award.pk).update(
            suspended_for=None, notice=f"{unannounced}\n{notice}".strip(), notice_at=timezone.now(), staff_notified_at=None)
        return notice
    return None


def programme_award_opened(*, award: ProgrammeAward, issuance: Issuance, note: str = "") -> None:
    """Link the award to the issuance it opened, and say why in the issuance's audit trail."""
    ProgrammeAward.objects.filter(pk=award.pk).update(issuance=issuance)
    award.issuance = issuance
    names = ", ".join(sorted(c.achievement.name for c in award.constituents.select_related("achievement")))
    audit_record(issuance=issuance, from_state=issuance.state, to_state=issuance.state, actor_kind="system",
                 actor_label="programmes",
                 detail=f"Programme {award.programme.code} satisfied by {award.learner.email}: {names}."
                 + (f" {note}" if note else ""))


def learner_programme_lines(*, issuance: Issuance) -> list[str]:
    """For the "what you still need" email of a constituent course: where the learner stands on each
    programme counting its achievement that they have not yet earned ("2 of 3 done: Fire Safety remains")."""
    lines = []
    programmes = Programme.objects.filter(
        organization_id=issuance.organization_id, constituents__achievement_id=issuance.achievement_id, course__is_active=True,
    ).exclude(course_id=issuance.course_id).distinct().order_by("name")
    for programme in programmes:
        progress = learner_programme_progress(learner=issuance.learner, programme=programme)
        if not progress.satisfied:
            lines.append(f"{programme.name}: {progress.summary}")
    return lines
