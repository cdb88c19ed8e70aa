"""The issuance pipeline, read top to bottom as the steps of the flow.

Intake (steps 1–2) ends by calling `issuance_start` with a validated completion; the worker then
advances the issuance one committed step at a time (steps 3–7). Each step runs under the worker's
claim and ends in `issuance_move`, which commits the next state, audits it and queues what follows.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import CertificateTemplate, Course
from courses.keys.crypto import KeyDecryptionError, KeyEncryptionKeyError
from courses.published_rules import ruleset_live_version_with_rules
from courses.programmes import programme_progress, programme_requirement_reasons
from courses.rules import HeldAchievement, ruleset_evaluate

from .certificates.credential_certificate import credential_certificate_store
from .certificates.render import CertificateRenderError, CertificateTemplateError
from .completions import Completion
from .delivery.copies import copies_summary, delivery_send_copies
from .delivery.results import DeliveryResult
from .delivery.sending import delivery_retry_for_issuance, delivery_send_credential_email, delivery_send_still_needed_email
from .effects import effect_perform
from .email.render import EmailTemplateError
from .errors import StepFailed, StepWaiting
from .inserts import row_get_or_insert, rows_insert_unless_taken
from .idempotency_keys import credential_email_key, still_needed_email_key
from .lifecycle.expiry import credential_expire
from .lifecycle.renewal import (BESIDE, credential_previous, credential_renewal_window_open, credential_supersede,
                                import_meets_live)
from .missing_facts import completion_facts_fetch, completion_facts_missing_park
from .models import CompletionEvent, Credential, Issuance, Learner, LearnerIdentity
from .openbadges.bitstring import StatusListFullError
from .openbadges.credential import CredentialInputError
from .openbadges.credential_badge import credential_badge_sign, credential_badge_store
from .openbadges.did import DidError
from .outbound.services import outbound_platforms_issue, outbound_sync_issue
from .programmes.awards import held_constituents, learner_programme_lines, programme_award_opened, programme_awards_claim
from .transitions import STEP_INPUT_STATE, issuance_move, issuance_open, issuance_unpark
from .typed_in import TypedInBy

State = Issuance.State
LIVE = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED]


# --- 1–2, the seam with intake -------------------------------------------------------------------
@transaction.atomic(savepoint=False)  # inside a caller's transaction an error rolls the whole of it back anyway
def issuance_start(
    *, completion: Completion, event: CompletionEvent | None = None, actor_label: str = "system",
    typed_in: TypedInBy | None = None, notify_learner: bool = True, actor_user=None, detail: str = "",
) -> Issuance:
    """Match the learner, open an issuance in `validated`, and queue the decision.

    `typed_in` names the staff member behind a form event (a roster row, a credential issued by
    hand): the audit trail records them, and their override of the rules if they gave one. Without
    `notify_learner` nothing is emailed about this issuance (staff chose so, e.g. for a programme backfill).
    `actor_user` and `detail` name the staff member and say what happened (a credential import) in the trail.
    """
    # What a worker's claim reads with an issuance, so one carried on by this task needs no reload (issuance_open).
    course = Course.objects.select_related(
        "organization", "achievement", "ruleset", "certificate_template", "next_course", "programme",
    ).get(pk=completion.course_id)
    # Looked up, then inserted unless a concurrent intake got there first: no savepoint per row (issuance/inserts.py).
    learner, _ = row_get_or_insert(Learner, lookup={"organization": course.organization, "email": completion.email},
                                   defaults={"name": completion.name})
    if completion.learner_external_id and event is not None:
        row_get_or_insert(LearnerIdentity, lookup={"source": event.source, "external_id": completion.learner_external_id},
                          defaults={"learner": learner})
    language, language_note = course.learner_language(requested=completion.language)
    detail = detail or f"Completion of {course.code} by {completion.email}."
    actor = {"actor_kind": "source" if event is not None else "system", "actor_label": actor_label}
    if actor_user is not None:
        actor = {"actor_kind": "staff", "actor_label": actor_label, "actor_user": actor_user}
    override = {}
    if typed_in is not None:
        detail = f"Completion of {course.code} by {completion.email}, {typed_in.how} by {typed_in.user.get_username()}."
        actor = {"actor_kind": "staff", "actor_label": typed_in.user.get_username(), "actor_user": typed_in.user}
        if typed_in.override_reason:
            override = {"rules_overridden_by": typed_in.user, "rules_override_reason": typed_in.override_reason}
            detail += f" Asked to issue even if the rules say no: {typed_in.override_reason}"
    if language_note:  # a fallback is recorded where staff read the issuance's history, never silent
        detail += f" Language: {language_note}"
    return issuance_open(
        organization=course.organization, learner=learner, course=course, achievement=course.achievement,
        event=event, learner_name=completion.name, completion=completion.to_json(), detail=detail, **actor, **override,
        language=language, language_requested=completion.language, notify_learner=notify_learner,
    )


# --- 3 decide ------------------------------------------------------------------------------------
def _held(credentials: list[Credential]) -> list[HeldAchievement]:
    return [HeldAchievement(achievement_id=c.achievement_id, valid_until=c.valid_until, live=c.status in LIVE) for c in credentials]


def decide(issuance: Issuance) -> None:
    """Eligible (and a credential row), ineligible with reasons, or a duplicate of a live credential."""
    now = timezone.now()
    stored = Completion.from_json(issuance.completion)  # read once: for the rules and the credential's dates
    imported = stored.imported  # brought over from another platform: decided there, so the rules are not asked
    ruleset = None if imported else issuance.course.ruleset
    version = ruleset_live_version_with_rules(ruleset) if ruleset else None  # the live version: a draft never decides
    if ruleset is not None and version is None:
        raise StepFailed(f"The rule set {ruleset} has no published version yet; publish one in the admin, then resume.",
                         permanent=True)
    # A fact the rules need and the completion lacks is asked of the source first (no transaction open: it may call an LMS).
    completion = completion_facts_fetch(issuance=issuance, completion=stored, version=version)
    with transaction.atomic():
        if version is not None:
            version.freeze()
        held = list(Credential.objects.filter(learner=issuance.learner).order_by("pk"))  # one read for both questions
        live = next((c for c in held if c.achievement_id == issuance.achievement_id and c.status in LIVE), None)
        renewing = live is not None and not imported and credential_renewal_window_open(credential=live, now=now)
        current = live is not None and (live.valid_until is None or live.valid_until > now)
        beside = _imported_beside(imported, live=live if current else None)
        renewing = renewing or (bool(imported) and current and not beside)  # an original later than the live one
        if current and not renewing and not beside:
            return _duplicate(issuance, live, version)
        result = ruleset_evaluate(version=version, facts=completion.rule_facts(), held=_held(held), at=now)
        programme = getattr(issuance.course, "programme", None)
        if programme is not None and not imported:  # a programme's course: its requirement over other achievements, as a rule
            unmet = programme_requirement_reasons(programme=programme, progress=programme_progress(
                programme=programme, held=held_constituents(credentials=held, now=now)))
            if unmet:
                result = replace(result, eligible=False, reasons=[*result.reasons, *unmet])
        overridden = not result.eligible and issuance.rules_overridden_by_id is not None
        if result.missing and not overridden:  # missing is not failing: staff look, the learner is told nothing
            raise completion_facts_missing_park(issuance=issuance, missing=result.missing, version=version)
        fetched = {"completion": completion.to_json()} if completion != stored else {}
        if not result.eligible and not overridden:
            issuance_move(issuance=issuance, to_state=State.INELIGIBLE, reasons=result.reasons, ruleset_version=version,
                          detail=f"Not eligible under {version}: " + " ".join(result.reasons), **fetched)
            return
        if beside:  # the live credential is kept as is; the original becomes history beside it
            live = None
        elif renewing:
            credential_supersede(credential=live, reason=f"Renewed by the {'import' if imported else 'completion'} in "
                                                         f"issuance {issuance.pk}.")
        elif live is not None:  # its validity ran out before the daily job expired it: this one replaces it
            credential_expire(credential=live, now=now)
        else:
            live = credential_previous(held=held, achievement_id=issuance.achievement_id)
        credential = _credential_new(issuance, completed_at=completion.completed_at, replaces=live, now=now,
                                     imported=imported, beside=beside)
        if not rows_insert_unless_taken([credential]):  # a concurrent issuance created the live credential first
            live = Credential.objects.get(learner=issuance.learner, achievement=issuance.achievement, status__in=LIVE)
            return _duplicate(issuance, live, version)
        detail = f"Eligible under {version or 'no rules'}; credential {credential.pk}"
        if imported:
            detail = f"Imported, dated as originally issued; the rules were not asked; credential {credential.pk}"
        detail += (f" renews {live.pk}." if renewing else f" replaces expired {live.pk}.") if live else "."
        if beside:
            detail += f" It is {beside}."
            Issuance.objects.filter(pk=issuance.pk).update(notify_learner=False)
            issuance.notify_learner = False
        actor = {}
        if overridden:  # the staff member who overrode the rules is the actor of this decision, with their reason
            user = issuance.rules_overridden_by
            actor = {"actor_kind": "staff", "actor_user": user, "actor_label": user.get_username()}
            detail = (f"Rules overridden by {user.get_username()}: {issuance.rules_override_reason} "
                      f"(under {version} the answer was no: {' '.join(result.reasons)}) " + detail)
        if fetched:
            detail += " Asked the source for what the completion lacked: " + ", ".join(
                f"{name} {getattr(completion, name)}" for name in ("score", "attendance") if getattr(completion, name) != getattr(stored, name)) + "."
        issuance_move(issuance=issuance, to_state=State.ELIGIBLE, ruleset_version=version, reasons=[], detail=detail, **actor,
                      **fetched)


def _imported_beside(imported: dict, *, live: Credential | None) -> str:
    """For an original whose learner holds a current credential of the achievement (or that its dry run recorded
    beside a later row of its file): why it is history beside it, or "" when it is the live one (lifecycle/renewal.py)."""
    if not imported:
        return ""
    if live is None:
        return imported.get("beside") or ""
    now = timezone.now()
    until = imported.get("expires_at")
    how, reason = import_meets_live(issued_at=datetime.fromisoformat(imported["issued_at"]), now=now, live=live,
                                    expires_at=datetime.fromisoformat(until) if until else None)
    return reason if how == BESIDE else ""


def _credential_new(issuance: Issuance, *, completed_at: datetime, replaces: Credential | None,
                    now: datetime, imported: dict, beside: str = "") -> Credential:
    """The credential row, not yet saved: its insert is skipped if a live one of the achievement exists."""
    if imported:  # issued and expiring as it was on the platform it came from
        issued_at, until = datetime.fromisoformat(imported["issued_at"]), imported.get("expires_at")
        valid_until = datetime.fromisoformat(until) if until else None
        status = Credential.Status.ACTIVE  # history beside a live one is never live itself
        if beside:
            status = Credential.Status.EXPIRED if valid_until and valid_until <= now else Credential.Status.SUPERSEDED
        return Credential(
            issuance=issuance, learner=issuance.learner, achievement=issuance.achievement, issued_at=issued_at,
            valid_from=issued_at, valid_until=valid_until, replaces=replaces, status=status,
            status_reason=f"Imported, {beside}." if beside else "")
    valid_from = issuance.achievement.validity_start(completed_at=completed_at, issued_at=now)
    return Credential(
        issuance=issuance, learner=issuance.learner, achievement=issuance.achievement, issued_at=now,
        valid_from=valid_from, valid_until=issuance.achievement.valid_until(valid_from), replaces=replaces,
    )


def _duplicate(issuance: Issuance, live: Credential, version) -> None:
    until = f", valid until {live.valid_until:%d %B %Y}" if live.valid_until else ""
    reason = f"You already hold {issuance.achievement.name} (issued {live.issued_at:%d %B %Y}{until})."
    issuance_move(issuance=issuance, to_state=State.DUPLICATE, reasons=[reason], ruleset_version=version,
                  finished=True, detail=f"Duplicate of live credential {live.pk}.")


NOT_EMAILED = "Not emailed: staff chose to issue without emailing the learner."


def notify_ineligible(issuance: Issuance) -> None:
    """Step 3's other ending: the "what you still need" email, then the issuance is finished."""
    if not issuance.notify_learner:
        with transaction.atomic():
            issuance_move(issuance=issuance, to_state=State.INELIGIBLE, finished=True, detail=NOT_EMAILED)
        return
    key = still_needed_email_key(issuance_id=issuance.pk)
    effect_perform(issuance=issuance, key=key, kind="still_needed_email",
                   perform=lambda: _delivered(lambda: delivery_send_still_needed_email(
                       issuance=issuance, reasons=issuance.reasons, programmes=learner_programme_lines(issuance=issuance))))
    with transaction.atomic():
        issuance_move(issuance=issuance, to_state=State.INELIGIBLE, finished=True,
                      detail=f"Emailed {issuance.learner.email} what they still need.")


# --- 4 render ------------------------------------------------------------------------------------
BADGE_PERMANENT_ERRORS = (CredentialInputError, DidError, KeyEncryptionKeyError, KeyDecryptionError, StatusListFullError)


def _badge_signed(credential: Credential) -> tuple[str, bool]:
    """Sign the Open Badges 3.0 credential (once: a re-run reuses the stored one) and keep it as issued.

    Returns the proof's verification method and whether it was stored now.
    """
    if credential.badge:  # signed and stored before (at render, or by a run that crashed after): nothing to write
        return credential.badge["proof"][0]["verificationMethod"], False
    try:
        signed = credential_badge_sign(credential=credential)
    except BADGE_PERMANENT_ERRORS as exc:
        # Bad data or a missing/wrong encryption key: a retry signs nothing until a person fixes it.
        raise StepFailed(f"The Open Badges credential could not be signed: {exc}", permanent=True) from exc
    stored = credential_badge_store(credential=credential, signed=signed)  # one conditional UPDATE: no transaction of its own
    return signed["proof"][0]["verificationMethod"], stored


def _certificate_stored(issuance: Issuance, credential: Credential):
    try:
        return credential_certificate_store(credential=credential)
    except CertificateTemplate.DoesNotExist:
        raise StepFailed(f"{issuance.organization} has no certificate template; add one in the admin.", permanent=True) from None
    except (CertificateTemplateError, CertificateRenderError, ValueError) as exc:
        # A template that cannot render will not render on a retry either: a person must fix it.
        raise StepFailed(f"The certificate could not be rendered: {exc}", permanent=True) from exc


def render(issuance: Issuance) -> None:
    """Sign the Open Badges 3.0 credential, then render the PDF/A certificate that carries it.

    The PDF embeds the signed credential, so signing comes first; it is stored before rendering (a
    render that fails leaves it stored, and the re-run renders with the same one).
    """
    credential = issuance.credential
    method, signed_now = _badge_signed(credential)
    stored = _certificate_stored(issuance, credential)
    signed = f"Open Badges 3.0 credential signed with {method}" if signed_now else "Open Badges 3.0 credential already signed"
    with transaction.atomic():
        credential.save(update_fields=["pdf", "pdf_sha256", "template_version"])
        issuance_move(issuance=issuance, to_state=State.RENDERED,
                      detail=f"{signed}. Certificate rendered from template v{stored.template_version} with it inside, "
                             f"SHA-256 {stored.sha256[:12]}….")


# --- 5 badge -------------------------------------------------------------------------------------
def badge(issuance: Issuance) -> None:
    """The signed credential goes to the badge platforms, one attempt each, so the email can link them.

    It was signed at render; an issuance rendered before that order (its certificate without the
    credential inside) is signed here and its certificate rendered again to carry it.
    """
    credential = issuance.credential
    method, signed_now = _badge_signed(credential)
    detail = "Open Badges 3.0 credential signed at render."
    if signed_now:
        stored = _certificate_stored(issuance, credential)
        with transaction.atomic():
            credential.save(update_fields=["pdf", "pdf_sha256", "template_version"])
        detail = (f"Open Badges 3.0 credential signed with {method}; certificate rendered again with it inside, "
                  f"SHA-256 {stored.sha256[:12]}….")
    # A failure at a platform waits in its own row.
    platforms = outbound_platforms_issue(issuance=issuance, credential=credential)
    with transaction.atomic():
        issuance_move(issuance=issuance, to_state=State.BADGED, detail=detail + (f" Platforms: {platforms}." if platforms else ""))


# --- 6 deliver -----------------------------------------------------------------------------------
OUTBOX_RECHECK = timedelta(seconds=30)
HELD_RECHECK = timedelta(minutes=10)


def _delivered(send: Callable[[], DeliveryResult]) -> str:
    """The outbox's answer as the step's outcome: sent, or a failure that says whether to retry."""
    try:
        result = send()
    except EmailTemplateError as exc:  # a template over budget or refused renders no better on a retry
        raise StepFailed(f"The email could not be rendered: {exc}", permanent=True) from exc
    if result.sent:
        return str(result)
    if result.status == "suppressed":
        raise StepFailed(f"Not emailed: {result.detail}. Remove the address from the suppression list, then resume.", permanent=True)
    if result.permanent:
        raise StepFailed(str(result), permanent=True)
    if result.status == "held":  # the course's sending is paused; releasing the email queues this issuance again
        raise StepWaiting(f"Held in the outbox: {result.detail}", retry_at=timezone.now() + HELD_RECHECK)
    # Queued for a retry, or in flight: the outbox owns email retries; look again when it is due.
    raise StepWaiting(f"Waiting for the outbox: {result}", retry_at=result.retry_at or timezone.now() + OUTBOX_RECHECK)


def _copies_sent(issuance: Issuance, credential: Credential) -> str:
    """The copies follow the learner's email and never hold it up: each waits and retries in its own outbox row."""
    try:
        return copies_summary(delivery_send_copies(issuance=issuance, credential=credential))
    except EmailTemplateError as exc:  # the learner has their email; the copy template needs a person
        raise StepFailed(f"The learner was emailed, but the copy email could not be rendered: {exc}", permanent=True) from exc


def deliver(issuance: Issuance) -> None:
    if not issuance.notify_learner:
        with transaction.atomic():
            issuance_move(issuance=issuance, to_state=State.DELIVERED, detail=NOT_EMAILED)
        return
    credential = issuance.credential
    key = credential_email_key(credential_id=credential.pk)
    effect = effect_perform(
        issuance=issuance, key=key, kind="credential_email",
        perform=lambda: _delivered(lambda: delivery_send_credential_email(issuance=issuance, credential=credential)),
        perform_first=lambda: _delivered(lambda: delivery_send_credential_email(
            issuance=issuance, credential=credential, first_attempt=True)),
    )
    copies = _copies_sent(issuance, credential)
    with transaction.atomic():
        issuance_move(issuance=issuance, to_state=State.DELIVERED, detail=f"Emailed {issuance.learner.email}: {effect.outcome}{copies}")


# --- 7 sync --------------------------------------------------------------------------------------
def sync(issuance: Issuance) -> None:
    """CRM records and webhook events, each a delivery row the workers send and retry on their own.

    The issuance ends with a credential here: in the same transaction, each programme counting its
    achievement that the learner now satisfies opens its own issuance, through the same entry as a
    completion from an LMS (its award row makes that happen once, whichever worker gets there first).
    """
    with transaction.atomic():
        planned = outbound_sync_issue(issuance=issuance, credential=issuance.credential)
        detail = "Queued for " + ", ".join(f"{d.connection.kind} “{d.connection.name}”" for d in planned) + "." if planned else "No integrations configured."
        issuance_move(issuance=issuance, to_state=State.SYNCED, finished=True, detail=detail)
        for award, completion in programme_awards_claim(learner=issuance.learner, achievement_id=issuance.achievement_id,
                                                        earned=issuance.credential):
            programme_award_opened(award=award, issuance=issuance_start(completion=completion, actor_label="programmes"))


# The worker looks up what to do next by the state an issuance is in (each step's input state is
# named once, in transitions.STEP_INPUT_STATE, where resuming a parked issuance reads it too).
STEP_FUNCTIONS = {"decide": decide, "notify": notify_ineligible, "render": render, "badge": badge, "deliver": deliver,
                  "sync": sync}
STEPS = {STEP_INPUT_STATE[name]: (name, step) for name, step in STEP_FUNCTIONS.items()}


def issuance_resume(*, issuance_id, actor_user=None, actor_label: str = "staff") -> Issuance:
    """Staff resume a parked issuance: back to the state before its failed step, its refused emails
    requeued to the learner's current address, both in one transaction (raises NotParked otherwise)."""
    with transaction.atomic():
        issuance = issuance_unpark(issuance_id=issuance_id, actor_user=actor_user, actor_label=actor_label)
        delivery_retry_for_issuance(issuance=issuance)
    return issuance
