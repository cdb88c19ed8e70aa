"""What became of a typed-in completion, in one line a facilitator understands, with a link to the details."""

from dataclasses import dataclass

from django.urls import reverse

from issuance.models import CompletionEvent, Issuance

State = Issuance.State
ISSUING = {State.VALIDATED, State.ELIGIBLE, State.RENDERED, State.BADGED}
ISSUED = {State.DELIVERED, State.SYNCED}


@dataclass(frozen=True)
class Outcome:
    label: str
    tone: str  # "ok", "wait", "no", "bad": the row's colour on the roster page
    url: str = ""


def event_outcome(event: CompletionEvent | None) -> Outcome:
    if event is None:
        return Outcome("Not submitted", "wait")
    if event.status == CompletionEvent.Status.ACCEPTED:
        return Outcome("Submitted, waiting for the worker", "wait", reverse("admin:issuance_completionevent_change", args=[event.pk]))
    if event.status == CompletionEvent.Status.PARKED:
        message = "; ".join(error["message"] for error in event.errors) or "see the exception queue"
        return Outcome(f"In the exception queue: {message}", "bad", reverse("admin:issuance_parkedevent_change", args=[event.pk]))
    if event.status != CompletionEvent.Status.PROCESSED:
        return Outcome(event.get_status_display(), "no", reverse("admin:issuance_completionevent_change", args=[event.pk]))
    issuance = next(iter(event.issuances.all()), None)
    if issuance is None:
        return Outcome("Processed", "wait")
    url = reverse("admin:issuance_issuance_change", args=[issuance.pk])
    if issuance.state in ISSUED:
        return Outcome("Credential issued and emailed", "ok", url)
    if issuance.state in ISSUING:
        return Outcome("Eligible: the credential is being made", "ok" if issuance.state != State.VALIDATED else "wait", url)
    if issuance.state == State.INELIGIBLE:
        return Outcome("Not eligible: " + " ".join(issuance.reasons), "no", url)
    if issuance.state == State.DUPLICATE:
        return Outcome("Duplicate, nothing new issued: " + (" ".join(issuance.reasons) or "already holds it."), "no", url)
    if issuance.state == State.PARKED:
        return Outcome(f"Stopped at {issuance.failed_step}: {issuance.error}", "bad", url)
    return Outcome(issuance.get_state_display(), "no", url)
