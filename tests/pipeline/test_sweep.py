from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import get_broker

from issuance.models import Issuance
from issuance.sweep import issuance_sweep
from tests.issuance_factories import IssuanceFactory

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
    assert capsys.readouterr().out.strip() == "Re-queued 1 issuance."


def test_it_schedules_the_sweep_every_minute_idempotently(db):
    import importlib

    from django.apps import apps
    from django_q.models import Schedule

    migration = importlib.import_module("issuance.migrations.0003_pipeline_sweep_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    [schedule] = Schedule.objects.filter(name="laurel-sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "issuance.tasks.issuance_sweep", Schedule.MINUTES, 1, -1
    )
