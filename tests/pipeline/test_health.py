from datetime import timedelta

from django.utils import timezone

from issuance.models import Issuance
from tests.factories.issuance import IssuanceFactory


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
