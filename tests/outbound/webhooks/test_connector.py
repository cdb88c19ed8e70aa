"""Webhooks: signed with Standard Webhooks, the events a subscription chose, one id across retries, disabled when dead."""

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone

from issuance.intake.digests import staff_digest_send
from issuance.models import Connection, OutboundDelivery, OutboxMessage
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke, credential_suspend, credential_unsuspend
from issuance.outbound.webhooks.schemas import event_schemas

from stand_ins.outbound.receivers import WebhookReceiver

Status = OutboundDelivery.Status
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "integrations" / "webhook-events"


@pytest.fixture
def receiver():
    with WebhookReceiver(secret=SECRET) as server:
        yield server


@pytest.fixture
def subscription(connect, receiver):
    return connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks/laurel")


def _send(credential):
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    return outbound_sweep()


def test_it_posts_a_signed_credential_issued_event_that_matches_its_schema(credential, receiver, subscription):
    _send(credential)
    _send(credential)  # planning again changes nothing

    assert receiver.rejected == 0 and len(receiver.events) == 1
    event = receiver.events[0]
    assert event["type"] == "credential.issued" and event["data"]["credential_id"] == str(credential.pk)
    jsonschema.validate(event, json.loads((SCHEMAS / "credential.issued.json").read_text()))
    assert OutboundDelivery.objects.get(credential=credential).status == Status.DONE


def test_the_published_schemas_are_the_ones_the_code_defines():
    for event, schema in event_schemas().items():
        assert json.loads((SCHEMAS / f"{event}.json").read_text()) == schema, event


def test_it_retries_with_the_same_webhook_id_after_a_failure(credential, receiver, subscription):
    receiver.script = [("fail", 500, {}, {"error": "down"})]
    _send(credential)
    delivery = OutboundDelivery.objects.get(credential=credential)
    assert delivery.status == Status.QUEUED
    delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    first, second = receiver.calls("POST")
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"] and len(receiver.events) == 1


def test_it_sends_again_with_the_same_id_after_a_timeout_so_the_receiver_can_drop_the_copy(credential, receiver, subscription, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    receiver.script = [("stall", 1.5)]
    _send(credential)
    delivery = OutboundDelivery.objects.get(credential=credential)
    assert delivery.outcome_unknown
    delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert len(set(receiver.ids)) == 1 and len(receiver.ids) == 2


def test_only_the_chosen_events_are_sent_and_status_changes_travel(credential, receiver, connect):
    connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks", events="credential.revoked,credential.suspended,credential.reinstated")
    _send(credential)
    assert receiver.events == []

    credential_suspend(credential=credential, reason="Under review")
    credential_unsuspend(credential=credential, reason="Review passed.")
    credential_revoke(credential=credential, reason="Exam misconduct")
    outbound_sweep()
    assert [e["type"] for e in receiver.events] == ["credential.suspended", "credential.reinstated", "credential.revoked"]
    assert receiver.events[-1]["data"]["reason"] == "Exam misconduct"


def test_a_410_disables_the_subscription_and_staff_are_told(credential, receiver, subscription, organization):
    receiver.script = [("fail", 410, {}, {"error": "gone"})]
    _send(credential)
    subscription.refresh_from_db()
    assert not subscription.enabled and "410" in subscription.disabled_reason
    assert OutboundDelivery.objects.get(credential=credential).status == Status.FAILED

    digest = staff_digest_send(organization=organization)
    assert digest is not None
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.STAFF_DIGEST)
    assert "Outbound credential.issued to webhook" in message.text_body


def test_failures_for_three_days_disable_the_subscription(credential, receiver, subscription):
    receiver.script = [("fail", 503, {}, {})] * 2
    Connection.objects.filter(pk=subscription.pk).update(failing_since=timezone.now() - timedelta(days=3, minutes=1))
    _send(credential)
    subscription.refresh_from_db()
    assert not subscription.enabled and "has failed since" in subscription.disabled_reason


def test_it_refuses_a_private_address_without_the_setting(credential, receiver, subscription, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    _send(credential)
    assert OutboundDelivery.objects.get(credential=credential).status == Status.FAILED
    assert receiver.requests == []


NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
             b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def test_an_html_error_page_is_kept_as_its_status_and_title_not_as_markup(credential, receiver, subscription):
    receiver.script = [("fail", 502, {"content-type": "text/html"}, NGINX_502)]
    _send(credential)
    delivery = OutboundDelivery.objects.get(credential=credential)
    assert delivery.status == Status.QUEUED
    assert delivery.last_error.endswith("answered 502: an HTML page (502 Bad Gateway)")
