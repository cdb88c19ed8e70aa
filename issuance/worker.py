"""What one worker task does: claim an issuance, run its next step, record success or failure."""

import logging


from .errors import ClaimLost, StepFailed, StepWaiting
from .models import Issuance
from .pipeline import STEPS
from .transitions import issuance_claim, issuance_fail, issuance_wait

logger = logging.getLogger(__name__)


def issuance_advance(*, issuance_id) -> str | None:
    """Advance one committed step. Safe to run twice or on two workers at once: the claim decides.

    Returns the state the issuance is in afterwards, or None if there was nothing to do.
    """
    issuance = issuance_claim(issuance_id=issuance_id)
    if issuance is None:
        return None
    step_name, step = STEPS[issuance.state]
    try:
        step(issuance)
    except ClaimLost:
        logger.warning("issuance %s: lease ran out during %s; another worker carries on", issuance_id, step_name)
        return None
    except StepFailed as exc:
        return _failed(issuance, step_name, str(exc), permanent=exc.permanent)
    except StepWaiting as exc:
        try:
            return issuance_wait(issuance=issuance, step=step_name, until=exc.retry_at, detail=str(exc))
        except ClaimLost:
            return None
    except Exception as exc:  # an unforeseen error: bounded retries, then a person looks at it
        logger.exception("issuance %s: %s failed", issuance_id, step_name)
        return _failed(issuance, step_name, f"{type(exc).__name__}: {exc}", permanent=False)
    return issuance.state


def _failed(issuance: Issuance, step_name: str, error: str, *, permanent: bool) -> str:
    try:
        state = issuance_fail(issuance=issuance, step=step_name, error=error[:2000], permanent=permanent)
    except ClaimLost:
        return None
    # A parked issuance reaches staff in the next exception digest (issuance.intake.digests).
    return state
