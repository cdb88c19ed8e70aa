from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from django_q.signals import post_execute

from issuance.models import CompletionEvent, Issuance
from tests.factories.issuance import IssuanceFactory, SourceFactory


def test_it_reports_database_broker_and_an_empty_pipeline_as_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["pipeline"]["oldest_waiting_seconds"] == 0


def test_it_reports_how_long_the_oldest_issuance_has_waited(client, db, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 600
    waiting = IssuanceFactory(state=Issuance.State.RENDERED)
    Issuance.objects.filter(pk=waiting.pk).update(state_changed_at=timezone.now() - timedelta(seconds=90))

    body = client.get("/healthz").json()
    assert 89 <= body["pipeline"]["oldest_waiting_seconds"] <= 95
    assert body["pipeline"]["waiting"] == 1


def test_it_answers_503_when_work_has_stalled_beyond_the_threshold(client, db, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    stuck = IssuanceFactory(state=Issuance.State.VALIDATED)
    Issuance.objects.filter(pk=stuck.pk).update(state_changed_at=timezone.now() - timedelta(seconds=61))

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["pipeline"]["stalled"] is True


def test_it_does_not_count_parked_or_finished_issuances_as_waiting(client, db, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    old = timezone.now() - timedelta(days=1)
    IssuanceFactory(state=Issuance.State.PARKED)
    IssuanceFactory(state=Issuance.State.SYNCED, finished_at=old)
    Issuance.objects.update(state_changed_at=old)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["pipeline"]["parked"] == 1


# --- #28: not only a waiting issuance: waiting events, an untaken queue, workers that finish nothing ---

@pytest.fixture(autouse=True)
def no_heartbeat_from_other_runs(db):
    """The cache (Redis on the production profile) outlives a test: start without a recorded worker finish."""
    from django.core.cache import cache

    from issuance.health import HEARTBEAT_KEY

    cache.delete(HEARTBEAT_KEY)


def _queue_a_task_started(seconds_ago: float) -> None:
    """Put a task on the profile's broker as django-q2 does, queued `seconds_ago` (a cluster that is not taking it)."""
    started = timezone.now() - timedelta(seconds=seconds_ago)
    get_broker().enqueue(SignedPackage.dumps({"id": "health-probe", "name": "health-probe", "func": "math.floor",
                                              "args": (1.5,), "kwargs": {}, "started": started}))


@pytest.fixture
def empty_queue(db):
    get_broker().purge_queue()
    yield
    get_broker().purge_queue()


def test_it_answers_503_when_a_received_event_waits_unprocessed_beyond_the_threshold(client, db, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    source = SourceFactory()
    event = CompletionEvent.objects.create(source=source, external_id="waits", body=b"{}")
    CompletionEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(seconds=61))

    response = client.get("/healthz")
    assert response.status_code == 503
    pipeline = response.json()["pipeline"]
    assert pipeline["stalled"] is True and pipeline["waiting"] == 0  # no issuance waits: the event alone says it
    assert pipeline["stalled_because"] == ["a received event has waited 61 s to be processed"]


def test_an_event_waiting_for_its_senders_api_retry_is_not_a_stall(client, db, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    event = CompletionEvent.objects.create(source=SourceFactory(), external_id="retry-later", body=b"{}",
                                           next_attempt_at=timezone.now() + timedelta(minutes=5))
    CompletionEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(seconds=600))
    assert client.get("/healthz").status_code == 200


def test_it_answers_503_when_a_queued_task_is_not_taken_beyond_the_threshold(client, empty_queue, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    _queue_a_task_started(seconds_ago=30)
    assert client.get("/healthz").status_code == 200  # queued half a minute ago: a busy queue, not a stall

    get_broker().purge_queue()
    _queue_a_task_started(seconds_ago=90)
    response = client.get("/healthz")
    assert response.status_code == 503
    pipeline = response.json()["pipeline"]
    assert 89 <= pipeline["oldest_queued_task_seconds"] <= 95
    assert pipeline["stalled_because"][0].startswith("a queued task has waited")


def test_it_answers_503_when_no_worker_has_finished_a_task_while_work_waits(client, empty_queue, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    # The cluster's monitor announces each finished task; the last one finished two minutes ago.
    post_execute.send(sender="django_q", task={"id": "t", "stopped": timezone.now() - timedelta(seconds=120)})
    assert client.get("/healthz").status_code == 200  # nothing waits: an idle cluster is healthy

    _queue_a_task_started(seconds_ago=2)  # work arrives, young: only the workers' silence is wrong
    response = client.get("/healthz")
    assert response.status_code == 503
    pipeline = response.json()["pipeline"]
    assert 119 <= pipeline["last_task_finished_seconds_ago"] <= 125
    assert pipeline["stalled_because"] == [
        f"no worker has finished a task for {pipeline['last_task_finished_seconds_ago']:.0f} s while work waits"]


def test_the_dashboard_says_the_pipeline_has_stalled_and_why(admin_client, settings):
    settings.LAUREL_HEALTH_STALL_SECONDS = 60
    assert "The pipeline has stalled" not in admin_client.get("/admin/").content.decode()

    event = CompletionEvent.objects.create(source=SourceFactory(), external_id="waits", body=b"{}")
    CompletionEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(seconds=300))
    page = admin_client.get("/admin/").content.decode()
    assert "The pipeline has stalled" in page
    assert "A received event has waited 300 s to be processed." in page
