from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import get_broker

from issuance.models import Issuance
from issuance.sweep import issuance_sweep
from tests.factories.issuance import IssuanceFactory

State = Issuance.State


@pytest.fixture
def broker(db):
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def stale(seconds=600, **fields):
    issuance = IssuanceFactory(**{"state": State.VALIDATED, **fields})
    Issuance.objects.filter(pk=issuance.pk).update(state_changed_at=timezone.now() - timedelta(seconds=seconds))
    return issuance


def test_it_requeues_an_issuance_that_stopped_moving(broker):
    issuance = stale()
    assert issuance_sweep(stalled_after=120) == [issuance.pk]
    assert broker.queue_size() == 1


def test_it_leaves_alone_issuances_that_moved_recently_finished_parked_or_claimed(broker):
    stale(seconds=5)
    stale(state=State.PARKED)
    done = stale(state=State.SYNCED)
    Issuance.objects.filter(pk=done.pk).update(finished_at=timezone.now())
    claimed = stale()
    Issuance.objects.filter(pk=claimed.pk).update(claim_token="x", claimed_until=timezone.now() + timedelta(seconds=60))

    assert issuance_sweep(stalled_after=120) == []


def test_it_requeues_a_retry_once_its_backoff_has_passed(broker):
    due = IssuanceFactory(state=State.BADGED, next_attempt_at=timezone.now() - timedelta(seconds=1))
    IssuanceFactory(state=State.BADGED, next_attempt_at=timezone.now() + timedelta(seconds=60))
    assert issuance_sweep(stalled_after=120) == [due.pk]


def test_it_takes_back_an_issuance_whose_worker_died_holding_it(broker):
    issuance = stale()
    Issuance.objects.filter(pk=issuance.pk).update(claim_token="dead", claimed_until=timezone.now() - timedelta(seconds=1))
    assert issuance_sweep(stalled_after=120) == [issuance.pk]


def test_the_sweep_command_reports_what_it_requeued(broker, capsys):
    stale()
    call_command("sweep", stalled_after=60)
    assert capsys.readouterr().out.strip() == "Re-queued 1 issuance and 0 unprocessed events."


def _event(*, age_seconds: int, status=None):
    import json

    from issuance.models import CompletionEvent
    from tests.factories.issuance import SourceFactory

    event = CompletionEvent.objects.create(source=SourceFactory(), external_id=f"ev-{age_seconds}-{status}",
                                           body=json.dumps({"type": "course.completed"}).encode())
    CompletionEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(seconds=age_seconds), status=status or CompletionEvent.Status.ACCEPTED)
    return event


def test_it_requeues_a_received_event_whose_task_was_lost_and_the_task_processes_it(broker):
    from issuance.intake.tasks import completion_events_process
    from issuance.models import CompletionEvent
    from issuance.sweep import completion_events_sweep

    lost = _event(age_seconds=900)
    _event(age_seconds=30)  # its task may well still be in the queue
    _event(age_seconds=900, status=CompletionEvent.Status.PROCESSED)
    _event(age_seconds=900, status=CompletionEvent.Status.PARKED)

    assert completion_events_sweep(stalled_after=600) == [lost.pk]
    assert broker.queue_size() == 1
    task = broker.dequeue()[0]
    from django_q.signing import SignedPackage

    package = SignedPackage.loads(task[1])
    assert package["func"] == "issuance.intake.tasks.completion_events_process"
    assert completion_events_process(*package["args"]) == {"parked": 1}  # it reached the worker (no learner: parked)
    lost.refresh_from_db()
    assert lost.status == CompletionEvent.Status.PARKED


def test_the_sweep_command_reports_the_events_it_requeued(broker, capsys):
    _event(age_seconds=900)
    call_command("sweep", events_stalled_after=600)
    assert capsys.readouterr().out.strip() == "Re-queued 0 issuances and 1 unprocessed event."


def test_it_schedules_the_sweep_every_minute_idempotently(db):
    from django_q.models import Schedule

    from issuance.schedules import schedules_sync

    schedules_sync()
    schedules_sync()
    [schedule] = Schedule.objects.filter(name="laurel-sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "issuance.tasks.issuance_sweep", Schedule.MINUTES, 1, -1
    )
