"""Sync health staff can see (#30): an issuance's label says which system is pending or failing and why, a delivery's
retries read "attempt 3 of 6, next at …", and a connection failing every call for 30 minutes is unhealthy."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from issuance.models import Connection, Issuance, OutboundDelivery
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from stand_ins.outbound.rest import CredentialsApi

from .rest.conftest import rest  # noqa: F401  (a REST connection against the stand-in)

pytestmark = pytest.mark.django_db
Status = OutboundDelivery.Status
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


@pytest.fixture
def delivered(credential):
    Issuance.objects.filter(pk=credential.issuance_id).update(state=Issuance.State.SYNCED)
    credential.issuance.refresh_from_db()
    return credential


def _issuances_page(admin_client, **query) -> str:
    return admin_client.get(reverse("admin:issuance_issuance_changelist"), query).content.decode()


def test_a_delivery_being_retried_shows_as_sync_pending_with_its_attempt_and_time(admin_client, connect, delivered):
    connect("webhook", secret=SECRET, url="https://hooks.laurel-test.invalid/laurel")
    outbound_sync_issue(issuance=delivered.issuance, credential=delivered)
    outbound_sweep()
    delivery = OutboundDelivery.objects.get(credential=delivered)
    assert delivery.status == Status.QUEUED and delivery.attempts == 1

    listing = _issuances_page(admin_client)
    assert "Delivered · sync pending: Webhook" in listing
    assert "Delivered · sync pending" in _issuances_page(admin_client, sync="pending")
    assert "Ana Maria Lima" not in _issuances_page(admin_client, sync="synced")

    deliveries = admin_client.get(reverse("admin:issuance_outbounddelivery_changelist")).content.decode()
    assert f"retrying (attempt 2 of 10, next at {delivery.next_attempt_at:%H:%M} UTC)" in deliveries


def test_a_permanent_failure_names_the_system_and_the_reason_on_the_issuance(admin_client, connect, delivered, rest):
    with CredentialsApi() as api:
        rest(api)
        api.script = [("fail", 422, {}, {"error": "validation", "message": "course unknown"})]
        outbound_sync_issue(issuance=delivered.issuance, credential=delivered)
        outbound_sweep()
    assert OutboundDelivery.objects.get(credential=delivered).status == Status.FAILED

    listing = _issuances_page(admin_client)
    assert "Delivered · sync failing: REST API" in listing and "course unknown" in listing
    assert "sync failing" in _issuances_page(admin_client, sync="failing")
    page = admin_client.get(reverse("admin:issuance_issuance_change", args=[delivered.issuance_id])).content.decode()
    assert "Delivered · sync failing: REST API" in page


def test_an_issuance_whose_every_delivery_succeeded_reads_synced(admin_client, delivered, rest):
    with CredentialsApi() as api:
        rest(api)
        outbound_sync_issue(issuance=delivered.issuance, credential=delivered)
        outbound_sweep()
    assert OutboundDelivery.objects.get(credential=delivered).status == Status.DONE
    assert "sync pending" not in _issuances_page(admin_client) and "sync failing" not in _issuances_page(admin_client)
    assert "Ana Maria Lima" in _issuances_page(admin_client, sync="synced")
    page = admin_client.get(reverse("admin:issuance_issuance_change", args=[delivered.issuance_id])).content.decode()
    assert "Synced: every delivery succeeded." in page


def test_a_connection_failing_every_call_for_30_minutes_is_marked_unhealthy(admin_client, connect):
    connection = connect("webhook", secret=SECRET, url="https://hooks.laurel-test.invalid/laurel")
    listing = lambda: admin_client.get(reverse("admin:issuance_connection_changelist")).content.decode()  # noqa: E731
    assert "Healthy" in listing()

    Connection.objects.filter(pk=connection.pk).update(failing_since=timezone.now() - timedelta(minutes=5))
    assert "Failing since" in listing() and "Unhealthy" not in listing()

    Connection.objects.filter(pk=connection.pk).update(failing_since=timezone.now() - timedelta(minutes=31))
    assert "Unhealthy: every call has failed since" in listing()
    page = admin_client.get(reverse("admin:issuance_connection_change", args=[connection.pk])).content.decode()
    assert "Unhealthy: every call has failed since" in page
