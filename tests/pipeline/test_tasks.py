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


def test_it_stops_at_a_step_that_must_wait_and_leaves_it_to_the_sweep(smtp, course, django_capture_on_commit_callbacks):
    smtp.refuse("451 4.3.0 try again later")
    issuance = complete(course, email="cy@learners.example", score=92)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.issuance_advance(str(issuance.pk))

    issuance.refresh_from_db()
    assert issuance.state == Issuance.State.BADGED and issuance.next_attempt_at is not None
    assert queued == []
