"""What one worker task does: claim an issuance, run its next step, record success or failure."""

import logging

from django.urls import reverse

from .delivery.emails import delivery_send_parked_notice
from .effects import effect_perform
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
    if state == Issuance.State.PARKED:
        parked_notify(issuance_id=issuance.pk)  # the park is committed; a lost notice never undoes it
    return state


def parked_notify(*, issuance_id) -> None:
    """Tell staff once per parking; a notice that cannot be sent is logged, never blocks the pipeline."""
    issuance = Issuance.objects.select_related("organization", "course").get(pk=issuance_id)
    parkings = issuance.audit_records.filter(to_state=Issuance.State.PARKED).count()
    key = f"parked-notice:{issuance.pk}:{parkings}"
    admin_url = reverse("admin:issuance_issuance_change", args=[issuance.pk])
    try:
        effect_perform(issuance=issuance, key=key, kind="parked_notice",
                       perform=lambda: str(delivery_send_parked_notice(issuance=issuance, key=key, admin_url=admin_url)))
    except Exception:
        logger.exception("issuance %s: the parked notice to staff could not be sent", issuance_id)
