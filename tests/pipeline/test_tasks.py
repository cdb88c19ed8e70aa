"""The queue's task carries an issuance through every step it can in one run, and queues only what is left."""

from issuance import tasks
from issuance.models import Issuance

from .conftest import complete


def test_it_carries_a_new_issuance_to_the_end_in_one_task_and_queues_nothing_more(smtp, course, django_capture_on_commit_callbacks):
    issuance = complete(course, email="ann@learners.example", score=92)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        state = tasks.issuance_advance(str(issuance.pk))

    issuance.refresh_from_db()
    assert state == issuance.state == Issuance.State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1
    assert queued == []
    # Every step still committed on its own: the audit trail shows each move.
    assert list(issuance.audit_records.order_by("pk").values_list("to_state", flat=True)) == [
        "validated", "eligible", "rendered", "badged", "delivered", "synced"]


def test_it_puts_what_is_left_back_on_the_queue_after_its_step_limit(smtp, course, django_capture_on_commit_callbacks):
    from issuance.worker import issuance_advance_steps

    issuance = complete(course, email="bo@learners.example", score=92)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        state = issuance_advance_steps(issuance_id=issuance.pk, max_steps=2)

    assert state == Issuance.State.RENDERED
    assert len(queued) == 1
    assert smtp.to("bo@learners.example") == []


def test_it_stops_at_a_step_that_must_wait_and_queues_it_for_when_it_is_due(smtp, course, django_capture_on_commit_callbacks):
    smtp.refuse("451 4.3.0 try again later")
    issuance = complete(course, email="cy@learners.example", score=92)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.issuance_advance(str(issuance.pk))

    issuance.refresh_from_db()
    assert issuance.state == Issuance.State.BADGED and issuance.next_attempt_at is not None
    # One task, held by the broker until the step is due (step_queue.task_enqueue_at); the sweep stays the safety net.
    assert len(queued) == 1
    held = dict(zip(queued[0].__code__.co_freevars, (cell.cell_contents for cell in queued[0].__closure__)))
    assert held["due"] == issuance.next_attempt_at


def test_it_claims_once_for_the_whole_chain_and_keeps_the_lease_between_steps(smtp, course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issuance = complete(course, email="di@learners.example", score=92)

    with CaptureQueriesContext(connection) as queries:
        tasks.issuance_advance(str(issuance.pk))

    # A claim is the one UPDATE that accepts a free or expired lease; the moves renew the one held.
    claims = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"claimed_until" IS NULL' in q["sql"]]
    assert len(claims) == 1
    issuance.refresh_from_db()
    assert issuance.state == Issuance.State.SYNCED
    assert (issuance.claim_token, issuance.claimed_until) == ("", None)


def test_a_worker_whose_kept_lease_ran_out_cannot_commit_the_next_step(smtp, course):
    from datetime import timedelta

    import pytest
    from django.db import transaction
    from django.utils import timezone

    from issuance.errors import ClaimLost
    from issuance.pipeline import decide
    from issuance.step_queue import issuance_continued_here
    from issuance.transitions import issuance_claim, issuance_move

    issuance = complete(course, email="ed@learners.example", score=92)
    with issuance_continued_here(issuance.pk):
        mine = issuance_claim(issuance_id=issuance.pk)
        decide(mine)
    row = Issuance.objects.get(pk=issuance.pk)
    assert (row.state, row.claim_token) == (Issuance.State.ELIGIBLE, mine.claim_token)  # kept, renewed
    assert row.claimed_until > timezone.now()

    Issuance.objects.filter(pk=issuance.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    other = issuance_claim(issuance_id=issuance.pk)  # another worker takes over
    assert other is not None
    with pytest.raises(ClaimLost), transaction.atomic():
        issuance_move(issuance=mine, to_state=Issuance.State.RENDERED, detail="late")
    assert Issuance.objects.get(pk=issuance.pk).claim_token == other.claim_token


def test_the_step_limit_gives_the_lease_back_before_queuing_the_rest(smtp, course, django_capture_on_commit_callbacks):
    from issuance.worker import issuance_advance_steps

    issuance = complete(course, email="fa@learners.example", score=92)
    with django_capture_on_commit_callbacks(execute=True):
        issuance_advance_steps(issuance_id=issuance.pk, max_steps=2)
    issuance.refresh_from_db()
    assert issuance.state == Issuance.State.RENDERED and issuance.claim_token == ""


def _webhook_event(source, *, email: str, external_id: str):
    import json

    from issuance.models import CompletionEvent

    body = json.dumps({"type": "course.completed", "data": {
        "learner": {"id": external_id, "email": email, "name": "Gil Park"}, "course": {"id": "FA-1"},
        "completed_at": "2026-01-05T09:58:00Z", "score": 91}}).encode()
    return CompletionEvent.objects.create(source=source, external_id=external_id, body=body)


def test_a_webhook_event_goes_from_intake_to_email_in_one_task(smtp, course, django_capture_on_commit_callbacks):
    from issuance.intake.tasks import completion_events_process
    from tests.factories.issuance import SourceFactory

    event = _webhook_event(SourceFactory(organization=course.organization), email="gil@learners.example", external_id="e-1")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        outcome = completion_events_process(str(event.pk))

    assert outcome == {"processed": 1}
    assert queued == []  # nothing left for another task
    assert Issuance.objects.get(event=event).state == Issuance.State.SYNCED
    assert len(smtp.to("gil@learners.example")) == 1


def test_a_batch_of_events_queues_each_issuance_for_the_workers(smtp, course, django_capture_on_commit_callbacks):
    from issuance.intake.tasks import completion_events_process
    from tests.factories.issuance import SourceFactory

    source = SourceFactory(organization=course.organization)
    events = [_webhook_event(source, email=f"h{n}@learners.example", external_id=f"b-{n}") for n in range(3)]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        outcome = completion_events_process(*[str(event.pk) for event in events])

    assert outcome == {"processed": 3}
    assert len(queued) == 3  # one advance task each, shared out among the workers
    assert set(Issuance.objects.values_list("state", flat=True)) == {Issuance.State.VALIDATED}
    assert smtp.messages == []
