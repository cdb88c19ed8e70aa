"""A programme's backfill: the learners who already satisfy it but hold no award (a programme made or
changed after they earned its constituents), counted first, then issued behind the bulk gate."""

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from courses.models import Programme
from courses.programmes import programme_progress

from .lifecycle.bulk import bulk_gate
from .models import Credential, Learner, ProgrammeAward
from .pipeline import issuance_start
from .programmes.awards import LIVE, NOT_COUNTED, held_constituents, programme_award_claim, programme_award_opened

LISTED = 100  # learners named in a dry run; the count covers them all


class BackfillRefused(ValueError):
    """The bulk gate is closed: the message says why, `count` is the count to confirm."""

    def __init__(self, message: str, *, count: int):
        super().__init__(message)
        self.count = count


@dataclass(frozen=True)
class BackfillPlan:
    programme: Programme
    learners: list[Learner]  # by email

    @property
    def count(self) -> int:
        return len(self.learners)


@dataclass(frozen=True)
class BackfillReport:
    programme: Programme
    issued: int
    skipped: int  # satisfied at the count, but awarded meanwhile or no longer satisfying it
    notified: bool

    def summary(self) -> str:
        emailed = "each learner is emailed their credential" if self.notified else "no learner is emailed"
        text = f"Programme {self.programme.code}: opened {self.issued} issuance{'s' if self.issued != 1 else ''}; {emailed}."
        if self.skipped:
            text += f" {self.skipped} skipped (awarded meanwhile, or no longer satisfying it)."
        return text


def _already_covered(programme: Programme, now: datetime) -> set[int]:
    """Learners who hold the programme's live credential, or an award whose issuance is on its way or live."""
    holders = set(Credential.objects.filter(achievement_id=programme.course.achievement_id, status__in=LIVE).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)).values_list("learner_id", flat=True))
    # An open award whose issuance ended without a live credential does not count: the claim closes it.
    awarded = ProgrammeAward.objects.filter(programme=programme, closed_at__isnull=True).filter(
        Q(issuance__isnull=True) | Q(issuance__finished_at__isnull=True) | Q(issuance__credential__status__in=LIVE))
    return holders | set(awarded.values_list("learner_id", flat=True))


def programme_backfill_plan(*, programme: Programme, now: datetime | None = None) -> BackfillPlan:
    """The dry run: every learner of the organisation who satisfies the programme now and holds no award for it.

    One pass over the constituents' credentials, ordered by learner, with the requirement checked in
    Python (the constituents read once), as `programme_award_claim` checks it for one learner.
    """
    now = now or timezone.now()
    constituents = list(programme.constituents.select_related("achievement"))
    covered = _already_covered(programme, now)
    credentials = (Credential.objects.filter(
        learner__organization_id=programme.organization_id, learner__erased_at__isnull=True,
        achievement_id__in=[c.achievement_id for c in constituents],
    ).exclude(status__in=NOT_COUNTED).only("id", "learner_id", "achievement_id", "issued_at", "status", "valid_until")
        .order_by("learner_id"))
    satisfied = []
    for learner_id, held in groupby(credentials.iterator(chunk_size=2000), key=lambda c: c.learner_id):
        if learner_id in covered:
            continue
        progress = programme_progress(programme=programme, held=held_constituents(credentials=list(held), now=now),
                                      constituents=constituents)
        if progress.satisfied:
            satisfied.append(learner_id)
    learners = list(Learner.objects.filter(pk__in=satisfied).order_by("email")) if satisfied else []
    return BackfillPlan(programme=programme, learners=learners)


def programme_backfill_issue(*, programme: Programme, notify_learners: bool, confirmed: int | None,
                             actor_user=None) -> BackfillReport:
    """Award the programme to every learner the dry run counts, each through the pipeline like any award.

    With `notify_learners`, above LAUREL_BULK_CONFIRM_OVER nothing happens unless `confirmed` is the exact
    count (raises BackfillRefused). Each learner is claimed in a transaction of its own, through the same
    award row as a completion, so a learner awarded meanwhile by a worker is skipped, never awarded twice.
    """
    plan = programme_backfill_plan(programme=programme)
    gate = bulk_gate(count=plan.count if notify_learners else 0, confirmed=confirmed)
    if not gate.open:
        raise BackfillRefused(gate.refusal, count=plan.count)
    who = actor_user.get_username() if actor_user is not None else "system"
    issued = 0
    for learner in plan.learners:
        with transaction.atomic():
            claim = programme_award_claim(programme=programme, learner=learner)
            if claim is None:
                continue
            award, completion = claim
            issuance = issuance_start(completion=completion, actor_label="programme backfill", notify_learner=notify_learners)
            programme_award_opened(award=award, issuance=issuance, note=f"Awarded by a backfill ({who}).")
        issued += 1
    report = BackfillReport(programme=programme, issued=issued, skipped=plan.count - issued, notified=notify_learners)
    audit_record(
        organization=programme.organization_id, from_state="", to_state="backfilled",
        actor_kind="staff" if actor_user is not None else "system", actor_user=actor_user, actor_label=who,
        detail=f"Backfill of programme {programme.code}: {plan.count} learner(s) satisfied it without an award. {report.summary()}",
    )
    return report
