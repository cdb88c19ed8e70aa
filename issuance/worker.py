"""What one worker task does: claim an issuance, run its next step, record success or failure."""

import logging

from django.conf import settings

from .errors import ClaimLost, StepFailed, StepWaiting, text_storable
from .models import Issuance
from .outbound.services import outbound_issuance_parked
from .pipeline import STEPS
from .step_queue import issuance_continued_here, issuance_enqueue
from .transitions import issuance_claim, issuance_claimed, issuance_claim_held, issuance_claim_release, issuance_fail, issuance_wait

logger = logging.getLogger(__name__)


def issuance_advance(*, issuance_id) -> str | None:
    """Advance one committed step. Safe to run twice or on two workers at once: the claim decides.

    Returns the state the issuance is in afterwards, or None if there was nothing to do.
    """
    issuance = issuance_claim(issuance_id=issuance_id)
    if issuance is None:
        return None
    return _step_run(issuance)


def _step_run(issuance: Issuance) -> str | None:
    """Run the step for the state `issuance` is in, under the lease it holds; its state afterwards, or None."""
    issuance_id = issuance.pk
    step_name, step = STEPS[issuance.state]
    try:
        step(issuance)
    except ClaimLost:
        logger.warning("issuance %s: lease ran out during %s; another worker carries on", issuance_id, step_name)
        return None
    except StepFailed as exc:
        return _failed(issuance, step_name, str(exc), permanent=exc.permanent, code=exc.code)
    except StepWaiting as exc:
        try:
            return issuance_wait(issuance=issuance, step=step_name, until=exc.retry_at, detail=str(exc))
        except ClaimLost:
            return None
    except Exception as exc:  # an unforeseen error: bounded retries, then a person looks at it
        logger.exception("issuance %s: %s failed", issuance_id, step_name)
        return _failed(issuance, step_name, f"{type(exc).__name__}: {exc}", permanent=False,
                       max_attempts=settings.LAUREL_POISON_FAILURES)
    return issuance.state


def issuance_started_advance(started) -> str | None:
    """Carry on an issuance collected by `issuances_started_here`: the copy opened with this task's lease, or an id."""
    if isinstance(started, Issuance):
        return issuance_advance_steps(issuance_id=started.pk, held=started)
    return issuance_advance_steps(issuance_id=started)


def issuance_advance_steps(*, issuance_id, max_steps: int = len(STEPS) + 1, held: Issuance | None = None) -> str | None:
    """Advance step after step in this task while the issuance keeps moving; each step still commits alone.

    One queue round trip and one claim per issuance instead of one per step: in the profile the
    broker hops, and the claim with its reload of the issuance before every step, cost as much CPU
    as the certificate (docs/performance.md). Each step commits its state under the lease and
    renews it for the next. Stops when a step waits, fails, finishes the issuance or loses the
    lease; after `max_steps` the lease is given back and the rest goes back on the queue. `held`: the issuance
    as intake opened it, with this task's lease (`issuance_open`), so it is not claimed and read again.
    """
    with issuance_continued_here(issuance_id):
        issuance = issuance_claimed(held) if held is not None else issuance_claim(issuance_id=issuance_id)
        if issuance is None:
            return None
        state = None
        for _ in range(max_steps):
            moved = _step_run(issuance)
            if moved is None:
                return state
            state = moved
            if not issuance_claim_held(issuance) or issuance.state not in STEPS:
                return state
        issuance_claim_release(issuance)
    issuance_enqueue(issuance_id=issuance_id, organization_id=issuance.organization_id)  # still moving: let another task carry on
    return state


def _failed(issuance: Issuance, step_name: str, error: str, *, permanent: bool, max_attempts: int | None = None,
            code: str = "") -> str:
    try:
        # The error may quote learner text that no database can store (a lone surrogate, NUL).
        state = issuance_fail(issuance=issuance, step=step_name, error=text_storable(error)[:2000], permanent=permanent,
                               max_attempts=max_attempts, code=code)
    except ClaimLost:
        return None
    # A parked issuance reaches staff in the next exception digest (issuance.intake.digests),
    # and the webhooks subscribed to issuance.parked.
    if state == Issuance.State.PARKED:
        issuance.refresh_from_db(fields=["state", "failed_step", "error"])
        outbound_issuance_parked(issuance=issuance)
    return state
