"""Moving an issuance between states under a worker's claim, with an audit record for each move."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from courses.catalogue_cache import achievement_texts_attach

from .errors import ClaimLost
from .models import Issuance
from .step_queue import issuance_enqueue, issuance_is_continued_here, issuances_started_here_active

State = Issuance.State
NOT_CLAIMABLE = [State.PARKED, State.REVOKED, State.EXPIRED]
# The state each pipeline step starts from: a parked issuance resumes in its failed step's.
STEP_INPUT_STATE = {
    "decide": State.VALIDATED,
    "notify": State.INELIGIBLE,
    "render": State.ELIGIBLE,
    "badge": State.RENDERED,
    "deliver": State.BADGED,
    "sync": State.DELIVERED,
}


def issuance_open(*, actor_kind: str, actor_label: str, detail: str, actor_user=None, **fields) -> Issuance:
    """A new issuance in `validated`, audited, its decision queued once the caller's transaction commits.

    When the current task carries it on itself (`issuances_started_here`), it is written with the task's lease
    and handed over as it is: no claim and no reload before its first step. Until that lease runs out no one
    else takes it, as after a claim; a task that dies before the first step leaves it to the sweep after that.
    """
    started_here = issuances_started_here_active()
    lease = {"claim_token": secrets.token_hex(16),
             "claimed_until": timezone.now() + timedelta(seconds=settings.LAUREL_CLAIM_SECONDS)} if started_here else {}
    issuance = Issuance.objects.create(state=State.VALIDATED, **lease, **fields)
    audit_record(issuance=issuance, event=issuance.event, from_state="", to_state=State.VALIDATED,
                 actor_kind=actor_kind, actor_user=actor_user, actor_label=actor_label, detail=detail)
    issuance_enqueue(issuance_id=issuance.pk, organization_id=issuance.organization_id,
                     held=issuance if started_here else None)
    return issuance


def issuance_claim(*, issuance_id) -> Issuance | None:
    """Take a lease on the issuance with one conditional UPDATE; None if someone else holds it or it is done.

    A conditional UPDATE and its row count behave the same on SQLite and PostgreSQL (SQLite has no
    row locks), and a lease left behind by a killed worker expires on its own.
    """
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        Issuance.objects.filter(pk=issuance_id, finished_at__isnull=True)
        .exclude(state__in=NOT_CLAIMABLE)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(claim_token=token, claimed_until=now + timedelta(seconds=settings.LAUREL_CLAIM_SECONDS))
    )
    if claimed != 1:
        return None
    issuance = Issuance.objects.select_related(
        "organization", "learner", "course", "course__ruleset", "course__certificate_template", "course__next_course",
        "course__programme",
        "achievement", "event",
    ).get(pk=issuance_id)
    return issuance_claimed(issuance)


def issuance_claimed(issuance: Issuance) -> Issuance:
    """A copy that holds the lease, ready for its steps: the achievement's texts per language attached, as of the
    organisation row it was read with."""
    if issuance.achievement_id is not None:
        achievement_texts_attach(achievement=issuance.achievement, organization=issuance.organization)
    return issuance


def _release(issuance: Issuance, *, keep: bool = False, **fields) -> dict:
    """Write `fields` only if we still hold the lease; inside the caller's transaction.

    The lease is given back, or with `keep` renewed for the next step this task runs itself.
    Returns the lease fields written, for the caller to copy once its own work is done.
    """
    lease = {"claimed_until": timezone.now() + timedelta(seconds=settings.LAUREL_CLAIM_SECONDS)} if keep else {
        "claim_token": "", "claimed_until": None}
    updated = Issuance.objects.filter(pk=issuance.pk, claim_token=issuance.claim_token, state=issuance.state).update(
        **lease, **fields
    )
    if updated != 1:
        raise ClaimLost(f"Issuance {issuance.pk} was taken over while in {issuance.state}.")
    return lease


def issuance_claim_held(issuance: Issuance) -> bool:
    """Whether this copy still holds its lease: a move kept it for the next step, nothing released it."""
    return bool(issuance.claim_token) and issuance.finished_at is None


def issuance_claim_release(issuance: Issuance) -> None:
    """Give back a lease kept for a next step that this task will not run after all."""
    if issuance.claim_token:
        Issuance.objects.filter(pk=issuance.pk, claim_token=issuance.claim_token).update(claim_token="", claimed_until=None)
        issuance.claim_token, issuance.claimed_until = "", None


def issuance_move(
    *, issuance: Issuance, to_state: str, detail: str, finished: bool = False, actor_label: str = "system",
    actor_kind: str = "system", actor_user=None, **fields
) -> None:
    """Commit the next state under our claim (call inside `transaction.atomic`), audit it, queue what follows.

    When this task runs the next step itself (`issuance_continued_here`) the lease is renewed
    rather than given back, so the next step needs no new claim and no reload of the issuance.
    """
    assert transaction.get_connection().in_atomic_block, "issuance_move must run inside a transaction"
    now = timezone.now()
    from_state = issuance.state
    lease = _release(
        issuance,
        keep=not finished and issuance_is_continued_here(issuance.pk),
        state=to_state,
        state_changed_at=now,
        attempts=0,
        next_attempt_at=None,
        failed_step="",
        error="",
        finished_at=now if finished else None,
        **fields,
    )
    audit_record(
        issuance=issuance, event=issuance.event, from_state=from_state, to_state=to_state,
        actor_kind=actor_kind, actor_user=actor_user, actor_label=actor_label, detail=detail,
    )
    issuance.state, issuance.state_changed_at, issuance.attempts = to_state, now, 0
    issuance.next_attempt_at, issuance.failed_step, issuance.error = None, "", ""
    issuance.finished_at = now if finished else None
    for name, value in {**lease, **fields}.items():
        setattr(issuance, name, value)
    if not finished:
        issuance_enqueue(issuance_id=issuance.pk, organization_id=issuance.organization_id)


def issuance_fail(*, issuance: Issuance, step: str, error: str, permanent: bool, max_attempts: int | None = None,
                  code: str = "") -> str:
    """Record a failed step: schedule a retry with exponential backoff, or park it. Returns the new state.

    `code` is kept as the parked issuance's park reason (`score_missing`), whole: staff filter on it.
    `max_attempts` defaults to LAUREL_MAX_ATTEMPTS; unexpected errors use LAUREL_POISON_FAILURES.
    """
    now = timezone.now()
    attempts = issuance.attempts + 1
    max_attempts = settings.LAUREL_MAX_ATTEMPTS if max_attempts is None else max_attempts
    with transaction.atomic():
        if permanent or attempts >= max_attempts:
            kind = "permanent" if permanent else f"after {attempts} attempts"
            _release(
                issuance, state=State.PARKED, state_changed_at=now, attempts=attempts,
                next_attempt_at=None, failed_step=step, error=error, park_reason=code,
            )
            issuance.claim_token = ""
            audit_record(
                issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=State.PARKED,
                actor_kind="system", actor_label="system", detail=f"Parked at {step} ({kind}): {error}",
            )
            return State.PARKED
        delay = settings.LAUREL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        _release(issuance, attempts=attempts, next_attempt_at=now + timedelta(seconds=delay), error=error, state_changed_at=now)
        issuance.claim_token = ""
        audit_record(
            issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=issuance.state,
            actor_kind="system", actor_label="system",
            detail=f"{step} failed (attempt {attempts} of {max_attempts}), retrying in {delay} s: {error}",
        )
        return issuance.state


def issuance_wait(*, issuance: Issuance, step: str, until, detail: str) -> str:
    """Give the lease back and look again at `until`, without counting an attempt."""
    with transaction.atomic():
        _release(issuance, next_attempt_at=until, error=detail[:2000])
    issuance.claim_token = ""
    return issuance.state


def issuance_stop_revoked(*, issuance: Issuance, detail: str, actor_kind: str, actor_user=None, actor_label: str) -> None:
    """Its credential was revoked: the issuance is never delivered or synced, it stops here for good.

    Inside the caller's transaction, which holds the credential's row lock; any lease is voided.
    """
    assert transaction.get_connection().in_atomic_block, "issuance_stop_revoked must run inside a transaction"
    now = timezone.now()
    Issuance.objects.filter(pk=issuance.pk).update(
        state=State.REVOKED, state_changed_at=now, claim_token="", claimed_until=None,
        next_attempt_at=None, finished_at=issuance.finished_at or now,
    )
    audit_record(issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=State.REVOKED,
                 detail=detail, actor_kind=actor_kind, actor_user=actor_user, actor_label=actor_label)


def issuance_stop_erased(*, issuance: Issuance, detail: str, actor_kind: str, actor_user=None, actor_label: str) -> bool:
    """The learner's data was erased: an issuance still on its way stops for good (nothing is rendered or emailed
    for a pseudonym). Returns False if it had already finished."""
    with transaction.atomic():
        now = timezone.now()
        stopped = Issuance.objects.filter(pk=issuance.pk, finished_at__isnull=True).update(
            state=State.REVOKED, state_changed_at=now, claim_token="", claimed_until=None, next_attempt_at=None,
            finished_at=now,
        )
        if stopped:
            audit_record(issuance=issuance, event=issuance.event, from_state=issuance.state, to_state=State.REVOKED,
                         detail=detail, actor_kind=actor_kind, actor_user=actor_user, actor_label=actor_label)
    return bool(stopped)


def issuance_mark_expired(*, issuance: Issuance, now) -> bool:
    """A finished issuance whose credential passed its end reads "expired"; one still moving keeps its state.

    Inside the caller's transaction, which records the expiry in the audit trail.
    """
    return bool(Issuance.objects.filter(
        pk=issuance.pk, finished_at__isnull=False, state__in=[State.SYNCED, State.DELIVERED],
    ).update(state=State.EXPIRED, state_changed_at=now))


class NotParked(Exception):
    pass


def issuance_unpark(*, issuance_id, actor_user=None, actor_label: str = "staff") -> Issuance:
    """Send a parked issuance back to the state before its failed step, and queue that step.

    The transition alone: staff resume through `pipeline.issuance_resume`, which also gives the
    issuance's refused emails another try in the same transaction."""
    with transaction.atomic():
        issuance = Issuance.objects.select_for_update(no_key=True).get(pk=issuance_id)
        if issuance.state != State.PARKED:
            raise NotParked(f"Issuance {issuance.pk} is {issuance.get_state_display().lower()}, not parked.")
        to_state = STEP_INPUT_STATE[issuance.failed_step]
        updated = Issuance.objects.filter(pk=issuance.pk, state=State.PARKED).update(
            state=to_state, state_changed_at=timezone.now(), attempts=0, next_attempt_at=None,
            failed_step="", error="", park_reason="", claim_token="", claimed_until=None, staff_notified_at=None,
        )
        if updated != 1:
            raise NotParked(f"Issuance {issuance.pk} was resumed by someone else.")
        audit_record(
            issuance=issuance, event=issuance.event, from_state=State.PARKED, to_state=to_state,
            actor_kind="staff", actor_user=actor_user, actor_label=actor_user.get_username() if actor_user else actor_label,
            detail=f"Resumed from the {issuance.failed_step} step (was: {issuance.error})",
        )
        issuance_enqueue(issuance_id=issuance.pk, organization_id=issuance.organization_id)
    issuance.refresh_from_db()
    return issuance
