"""HubSpot and Salesforce: the learner's record upserted once per event, failures retried, status changes carried."""

from datetime import timedelta

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.receivers import HubSpotServer, SalesforceServer

Status = OutboundDelivery.Status


@pytest.fixture
def hubspot():
    with HubSpotServer() as server:
        yield server


@pytest.fixture
def salesforce():
    with SalesforceServer() as server:
        yield server


def _sync(credential):
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    return OutboundDelivery.objects.filter(credential=credential, action="credential.issued").first()


def test_hubspot_upserts_the_contact_by_email_and_adds_one_note(credential, hubspot, connect):
    connect("hubspot", secret="hubspot-token", base_url=hubspot.url,
            properties="firstname=first_name,lastname=last_name,last_credential_name=achievement")
    delivery = _sync(credential)
    _sync(credential)

    contact = hubspot.contacts["ana@learners.example"]
    assert contact["properties"]["firstname"] == "Ana Maria" and contact["properties"]["lastname"] == "Lima"
    assert contact["properties"]["last_credential_name"] == credential.achievement.name
    assert len(hubspot.notes) == 1 and f"/credentials/{credential.pk}" in hubspot.notes[0]["properties"]["hs_note_body"]
    assert hubspot.notes[0]["associations"][0]["types"][0]["associationTypeId"] == 202
    assert delivery.status == Status.DONE and delivery.remote_id == contact["id"]


def test_hubspot_retries_a_429_after_the_time_it_asks_for(credential, hubspot, connect):
    connect("hubspot", secret="hubspot-token", base_url=hubspot.url)
    hubspot.script = [("fail", 429, {"retry-after": "10"}, {"status": "error", "category": "RATE_LIMITS"})]
    delivery = _sync(credential)
    assert delivery.status == Status.QUEUED and delivery.next_attempt_at - delivery.sending_started_at == timedelta(seconds=10)
    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE and len(hubspot.notes) == 1


def test_hubspot_shows_a_refused_token_to_staff(credential, hubspot, connect):
    connect("hubspot", secret="expired-token", base_url=hubspot.url)
    delivery = _sync(credential)
    assert delivery.status == Status.FAILED and "401" in delivery.last_error and hubspot.contacts == {}


def test_hubspot_notes_a_revocation(credential, hubspot, connect):
    connect("hubspot", secret="hubspot-token", base_url=hubspot.url)
    _sync(credential)
    credential_revoke(credential=credential, reason="Issued in error")
    outbound_sweep()
    assert hubspot.notes[-1]["properties"]["hs_note_body"].startswith("Revoked")


@pytest.fixture
def salesforce_connection(connect, salesforce):
    return connect("salesforce", secret="sf-secret", base_url=salesforce.url, client_id="laurel-app")


def test_salesforce_creates_the_record_by_external_id_then_updates_it(credential, salesforce, salesforce_connection):
    delivery = _sync(credential)
    record = salesforce.records[str(credential.pk)]
    assert record["Contact__r"] == {"Email": "ana@learners.example"} and record["Status__c"] == "active"
    assert delivery.status == Status.DONE and "created (201)" in delivery.response_summary

    credential_revoke(credential=credential, reason="Issued in error")
    outbound_sweep()
    revoked = OutboundDelivery.objects.get(credential=credential, action="credential.revoked")
    assert salesforce.records[str(credential.pk)]["Status__c"] == "revoked" and "updated (200)" in revoked.response_summary
    assert len(salesforce.records) == 1


def test_salesforce_fetches_a_new_token_when_the_session_expires(credential, salesforce, salesforce_connection):
    _sync(credential)
    salesforce.expire_tokens()
    credential_revoke(credential=credential, reason="Issued in error")
    outbound_sweep()
    assert len(salesforce.calls("POST", "/services/oauth2/token")) == 2
    assert salesforce.records[str(credential.pk)]["Status__c"] == "revoked"


def test_salesforce_upsert_after_a_timeout_updates_instead_of_creating_twice(credential, salesforce, salesforce_connection, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    salesforce.script = [("stall", 1.5)]
    delivery = _sync(credential)
    assert delivery.outcome_unknown
    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE and "updated (200)" in delivery.response_summary
    assert len(salesforce.records) == 1


def test_salesforce_shows_a_refused_client_secret_to_staff(credential, salesforce, connect):
    connect("salesforce", secret="wrong", base_url=salesforce.url, client_id="laurel-app")
    delivery = _sync(credential)
    assert delivery.status == Status.FAILED and "refused the client id or secret" in delivery.last_error


def test_crm_targets_on_private_addresses_are_refused_without_the_setting(credential, hubspot, salesforce, connect, settings):
    connect("hubspot", secret="hubspot-token", base_url=hubspot.url)
    connect("salesforce", secret="sf-secret", base_url=salesforce.url, client_id="laurel-app")
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    assert set(OutboundDelivery.objects.values_list("status", flat=True)) == {Status.FAILED}
    assert hubspot.requests == [] and salesforce.requests == []


def test_hubspot_after_a_timeout_upserts_again_and_adds_the_note_once(credential, hubspot, connect, settings):
    connect("hubspot", secret="hubspot-token", base_url=hubspot.url)
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    hubspot.script = [("stall", 1.5)]  # the contact is upserted; the answer comes too late
    delivery = _sync(credential)
    assert delivery.outcome_unknown and delivery.status == Status.QUEUED
    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE
    assert len(hubspot.contacts) == 1 and len(hubspot.notes) == 1


def test_salesforce_retries_a_transient_failure_then_succeeds(credential, salesforce, salesforce_connection):
    salesforce.script = [("fail", 503, {}, [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}])]
    delivery = _sync(credential)
    assert delivery.status == Status.QUEUED and "503" in delivery.last_error
    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1))
    assert delivery.status == Status.DONE and len(salesforce.records) == 1
