from datetime import timedelta

import pytest

from issuance.intake.digests import staff_digests_send
from django.db import transaction
from django.utils import timezone

from issuance.effects import effect_perform
from issuance.errors import ClaimLost
from issuance.models import Effect, Issuance
from issuance.pipeline import badge, issuance_resume
from issuance.transitions import NotParked, issuance_claim, issuance_move
from issuance.worker import issuance_advance
from tests.pipeline.conftest import complete, drive

State = Issuance.State


def advance_to(issuance, state):
    while issuance.state != state:
        assert issuance_advance(issuance_id=issuance.pk) is not None
        issuance.refresh_from_db()
    return issuance


def make_due(issuance):
    Issuance.objects.filter(pk=issuance.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_it_does_nothing_while_another_worker_holds_the_claim(smtp, course):
    issuance = complete(course, score=92)
    assert issuance_claim(issuance_id=issuance.pk) is not None
    assert issuance_advance(issuance_id=issuance.pk) is None
    issuance.refresh_from_db()
    assert issuance.state == State.VALIDATED


def test_it_takes_over_an_issuance_whose_worker_died_and_the_dead_worker_cannot_commit(smtp, course):
    issuance = complete(course, score=92)
    dead = issuance_claim(issuance_id=issuance.pk)
    Issuance.objects.filter(pk=issuance.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))

    assert issuance_advance(issuance_id=issuance.pk) == State.ELIGIBLE
    with pytest.raises(ClaimLost), transaction.atomic():
        issuance_move(issuance=dead, to_state=State.ELIGIBLE, detail="late")
    assert issuance.audit_records.filter(to_state=State.ELIGIBLE).count() == 1


def test_it_does_no_harm_when_the_same_task_runs_again_after_the_end(smtp, course):
    issuance = drive(complete(course, score=92))
    assert issuance_advance(issuance_id=issuance.pk) is None
    assert len(smtp.messages) == 1


def test_it_never_resends_an_email_whose_outcome_is_recorded_done(smtp, course):
    issuance = advance_to(complete(course, score=92), State.BADGED)
    credential = issuance.credential
    # The worker sent the email and died before committing `delivered`.
    from issuance.delivery.sending import delivery_send_credential_email

    key = f"credential-email:{credential.pk}"
    effect_perform(issuance=issuance, key=key, kind="credential_email",
                   perform=lambda: str(delivery_send_credential_email(issuance=issuance, credential=credential)))

    assert drive(issuance).state == State.SYNCED
    assert len(smtp.messages) == 1
    assert Effect.objects.get(key=key).attempts == 1


def test_it_sends_again_when_a_worker_died_mid_send_and_counts_the_attempt(smtp, course):
    issuance = advance_to(complete(course, score=92), State.BADGED)
    key = f"credential-email:{issuance.credential.pk}"
    Effect.objects.create(issuance=issuance, key=key, kind="credential_email", attempts=1, started_at=timezone.now())

    assert drive(issuance).state == State.SYNCED
    effect = Effect.objects.get(key=key)
    assert (effect.status, effect.attempts) == (Effect.Status.DONE, 2)
    assert "accepted for ann@learners.example" in effect.outcome


def test_it_retries_an_unforeseen_failure_with_exponential_backoff_then_parks_and_tells_staff(smtp, course, settings, tmp_path):
    settings.LAUREL_MAX_ATTEMPTS, settings.LAUREL_RETRY_BASE_SECONDS = 3, 30
    issuance = advance_to(complete(course, score=92), State.ELIGIBLE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker  # storing the PDF fails with an OSError the step did not foresee

    for delay in (30, 60):
        before = timezone.now()
        assert issuance_advance(issuance_id=issuance.pk) == State.ELIGIBLE
        after = timezone.now()
        issuance.refresh_from_db()
        # Counted from the failure, which comes after the step's own work (it signs the credential first).
        assert before + timedelta(seconds=delay) <= issuance.next_attempt_at <= after + timedelta(seconds=delay)
        assert issuance_advance(issuance_id=issuance.pk) is None  # not before the backoff has passed
        make_due(issuance)

    assert issuance_advance(issuance_id=issuance.pk) == State.PARKED
    issuance.refresh_from_db()
    assert (issuance.failed_step, issuance.attempts) == ("render", 3)
    assert "Error" in issuance.error
    assert staff_digests_send() == 1  # the every-minute schedule does this
    [notice] = smtp.to("staff@harbour.example")
    assert "parked at render" in notice.get_body(("plain",)).get_content()
    assert issuance.audit_records.filter(to_state=State.PARKED, detail__contains="after 3 attempts").exists()


def test_it_parks_an_issuance_after_laurel_poison_failures_unexpected_errors(course, settings, tmp_path):
    settings.LAUREL_MAX_ATTEMPTS, settings.LAUREL_POISON_FAILURES = 5, 2
    issuance = advance_to(complete(course, score=92), State.ELIGIBLE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker  # an OSError the render step did not foresee
    assert issuance_advance(issuance_id=issuance.pk) == State.ELIGIBLE
    make_due(issuance)
    assert issuance_advance(issuance_id=issuance.pk) == State.PARKED
    issuance.refresh_from_db()
    assert (issuance.failed_step, issuance.attempts) == ("render", 2)
    assert issuance.error.startswith(("FileExistsError", "NotADirectoryError", "OSError"))


def test_it_parks_at_once_an_issuance_whose_email_template_is_over_budget(smtp, course):
    from courses.models import EmailTemplate

    loops = "{% for a in learner_name %}{% for b in learner_name %}{% for c in learner_name %}.{% endfor %}{% endfor %}{% endfor %}"
    EmailTemplate.objects.filter(organization=course.organization, kind="credential").update(html_body=loops)
    issuance = drive(complete(course, name="Alexandra Konstantina Wilhelmina Maximil", score=92))
    assert (issuance.state, issuance.failed_step, issuance.attempts) == (State.PARKED, "deliver", 1)
    assert "the loops ran more than 10,000 times" in issuance.error
    assert smtp.messages == []


def test_it_waits_for_the_outbox_to_retry_an_email_then_parks_when_it_gives_up(smtp, course):
    from issuance.models import OutboxMessage

    issuance = advance_to(complete(course, score=92), State.BADGED)
    _fail_learner_only(smtp)
    for attempt in range(1, 7):
        assert issuance_advance(issuance_id=issuance.pk) in (State.BADGED, State.PARKED)
        issuance.refresh_from_db()
        message = OutboxMessage.objects.get(issuance=issuance, kind="credential")
        assert message.attempts == attempt
        if issuance.state == State.PARKED:
            break
        # Waiting on the outbox is not failing: no attempt is counted, and the next look is when the outbox retries.
        assert issuance.attempts == 0 and issuance.next_attempt_at == message.next_attempt_at
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        make_due(issuance)
    assert (issuance.state, issuance.failed_step, message.status) == (State.PARKED, "deliver", "failed")
    assert "451" in issuance.error
    assert staff_digests_send() == 1
    [notice] = smtp.to("staff@harbour.example")
    assert "parked at deliver" in notice.get_body(("plain",)).get_content()


def _fail_learner_only(smtp):
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address.startswith("ann@"):
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handler.handle_RCPT = handle_RCPT


def test_it_parks_a_permanent_failure_at_once(smtp, course):
    issuance = advance_to(complete(course, score=92), State.BADGED)
    smtp.refuse("550 5.1.1 no such user")

    assert issuance_advance(issuance_id=issuance.pk) == State.PARKED
    issuance.refresh_from_db()
    assert (issuance.failed_step, issuance.attempts) == ("deliver", 1)
    assert "550" in issuance.error


def test_it_treats_an_unreachable_mail_server_as_transient(smtp, course, settings):
    issuance = advance_to(complete(course, score=92), State.BADGED)
    settings.EMAIL_PORT = 1  # nothing listens there
    assert issuance_advance(issuance_id=issuance.pk) == State.BADGED
    issuance.refresh_from_db()
    assert issuance.attempts == 0 and issuance.next_attempt_at is not None
    assert "Waiting for the outbox" in issuance.error and "queued" in issuance.error


def test_it_resumes_a_parked_issuance_from_its_failed_step(smtp, course, admin_user):
    issuance = advance_to(complete(course, score=92), State.BADGED)
    smtp.refuse("550 5.1.1 no such user")
    issuance_advance(issuance_id=issuance.pk)
    smtp.refuse(None)

    resumed = issuance_resume(issuance_id=issuance.pk, actor_user=admin_user)
    assert (resumed.state, resumed.failed_step, resumed.error) == (State.BADGED, "", "")
    record = resumed.audit_records.get(from_state=State.PARKED)
    assert (record.actor_kind, record.actor_label, record.actor_user) == ("staff", "staff", admin_user)

    assert drive(resumed).state == State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1


def test_it_refuses_to_resume_an_issuance_that_is_not_parked(smtp, course):
    issuance = complete(course, score=92)
    with pytest.raises(NotParked):
        issuance_resume(issuance_id=issuance.pk)


def test_it_commits_nothing_from_a_step_whose_claim_was_lost(smtp, course):
    issuance = advance_to(complete(course, score=92), State.RENDERED)
    claimed = issuance_claim(issuance_id=issuance.pk)
    Issuance.objects.filter(pk=issuance.pk).update(claim_token="someone-else")
    with pytest.raises(ClaimLost):
        badge(claimed)
    issuance.refresh_from_db()
    assert issuance.state == State.RENDERED
    assert not issuance.audit_records.filter(to_state=State.BADGED).exists()
