"""The retry policy is the connector's own: its class declares the waits and when a dead connection is disabled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issuance.models import Connection, OutboundDelivery
from issuance.outbound.connectors.base import CONNECTORS, CRM, HOURS_OF_RETRIES, ISSUED, Connector, OutboundError
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.platforms.credly import Credly
from issuance.outbound.registry import connectors_load
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.webhooks.connector import WebhookSubscription

Status = OutboundDelivery.Status


class AlwaysDown(Connector):
    """A system added the way any is, by registering its class; it is down for the whole test."""

    kind, label = "always-down", "Always down"
    stage = CRM
    actions = {ISSUED}
    retry_delays = (timedelta(minutes=7), timedelta(minutes=11))
    disable_after = None

    def perform(self, request):
        raise OutboundError("503 Service Unavailable", permanent=False)


@pytest.fixture
def always_down(monkeypatch, connect):
    def register(**policy):
        connector = type("Declared", (AlwaysDown,), policy)()
        monkeypatch.setitem(CONNECTORS, AlwaysDown.kind, connector)
        return connect(AlwaysDown.kind, secret=None)
    return register


def _first_attempt(credential, at):
    [delivery] = outbound_sync_issue(issuance=credential.issuance, credential=credential)
    return delivery_perform(delivery_id=delivery.pk, now=at)


def test_it_waits_as_long_as_the_connector_class_says_then_gives_up(credential, always_down):
    always_down()
    start = timezone.now()
    delivery = _first_attempt(credential, start)
    assert (delivery.status, delivery.next_attempt_at) == (Status.QUEUED, start + timedelta(minutes=7))

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert (delivery.status, delivery.next_attempt_at) == (Status.QUEUED, start + timedelta(minutes=18))

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.FAILED and "Gave up after 3 attempts" in delivery.last_error


def test_a_connector_that_declares_disable_after_is_disabled_once_it_has_failed_that_long(credential, always_down):
    connection = always_down(disable_after=timedelta(hours=1))
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(failing_since=now - timedelta(hours=1, minutes=1))

    delivery = _first_attempt(credential, now)

    connection.refresh_from_db()
    assert not connection.enabled and "has failed since" in connection.disabled_reason
    assert delivery.status == Status.FAILED


def test_a_connector_without_disable_after_stays_enabled_however_long_it_fails(credential, always_down):
    connection = always_down()
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(failing_since=now - timedelta(days=30))

    delivery = _first_attempt(credential, now)

    connection.refresh_from_db()
    assert connection.enabled and delivery.status == Status.QUEUED


def test_each_system_states_its_policy_in_its_own_module():
    assert (Credly.retry_delays, Credly.disable_after) == (HOURS_OF_RETRIES, None)
    assert WebhookSubscription.disable_after == timedelta(days=3) and len(WebhookSubscription.retry_delays) == 9
    for kind, connector in connectors_load().items():
        assert connector.retry_delays and all(wait > timedelta(0) for wait in connector.retry_delays), kind
