"""The scheduled sweep never holds a worker longer than LAUREL_SWEEP_RUN_SECONDS (#28): it stops between rows, and
the next run carries on where it stopped, so every stalled issuance and event is re-queued, each in its turn."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.signing import SignedPackage

from issuance.intake.processing import PROCESS_TASK
from issuance.models import CompletionEvent, Issuance
from issuance.step_queue import ADVANCE_TASK, queue_broker
from issuance.tasks import issuance_sweep
from tests.factories.issuance import IssuanceFactory, SourceFactory


@pytest.fixture
def broker(db):
    broker = queue_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def _stalled_issuances(n: int) -> list[str]:
    """n issuances that stopped moving, oldest first."""
    ids = []
    for i in range(n):
        issuance = IssuanceFactory(state=Issuance.State.VALIDATED)
        Issuance.objects.filter(pk=issuance.pk).update(state_changed_at=timezone.now() - timedelta(hours=1, minutes=-i))
        ids.append(str(issuance.pk))
    return ids


def _lost_events(n: int) -> list[str]:
    """n received events whose task was lost, oldest first."""
    source, ids = SourceFactory(), []
    for i in range(n):
        event = CompletionEvent.objects.create(source=source, external_id=f"lost-{i}", body=b'{"type": "course.completed"}')
        CompletionEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(hours=1, minutes=-i))
        ids.append(str(event.pk))
    return ids


def _queued(broker) -> dict[str, list[str]]:
    """The tasks the run queued, by function, their first argument each, in order; the queue is left empty."""
    queued = {ADVANCE_TASK: [], PROCESS_TASK: []}
    while broker.queue_size():
        for _, payload in broker.dequeue():
            package = SignedPackage.loads(payload)
            queued.setdefault(package["func"], []).append(str(package["args"][0]))
    return queued


def test_a_run_out_of_time_stops_and_the_next_runs_carry_on_losing_nothing(settings, broker):
    settings.LAUREL_SWEEP_RUN_SECONDS = 0  # every run: one row of each kind, then it stops
    issuances, events = _stalled_issuances(5), _lost_events(3)

    runs = []
    for _ in range(5):
        issuance_sweep()
        runs.append(_queued(broker))

    assert [run[ADVANCE_TASK] for run in runs] == [[issuance] for issuance in issuances]
    # The three events one run each; then the sweep starts over at the oldest, which is still waiting.
    assert [run[PROCESS_TASK] for run in runs] == [[events[0]], [events[1]], [events[2]], [events[0]], [events[1]]]


def test_a_run_with_time_enough_requeues_everything_due_and_the_next_starts_over(settings, broker):
    settings.LAUREL_SWEEP_RUN_SECONDS = 3600
    issuances, events = _stalled_issuances(4), _lost_events(2)

    assert issuance_sweep() == 6
    assert _queued(broker) == {ADVANCE_TASK: issuances, PROCESS_TASK: events}
    assert issuance_sweep() == 6
    assert _queued(broker) == {ADVANCE_TASK: issuances, PROCESS_TASK: events}


def test_work_that_moved_on_is_not_requeued_when_the_sweep_resumes(settings, broker):
    settings.LAUREL_SWEEP_RUN_SECONDS = 0
    issuances = _stalled_issuances(3)

    issuance_sweep()
    Issuance.objects.filter(pk=issuances[1]).update(state=Issuance.State.SYNCED, finished_at=timezone.now())
    issuance_sweep()
    issuance_sweep()

    assert _queued(broker)[ADVANCE_TASK] == [issuances[0], issuances[2], issuances[0]]
