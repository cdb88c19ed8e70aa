"""Badgr: an assertion once on the mapped badge class, tokens refreshed, no second award after a timeout, revocation."""

from datetime import timedelta

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_platforms_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.platforms import BadgrServer

Status = OutboundDelivery.Status


@pytest.fixture
def badgr():
    with BadgrServer() as server:
        yield server


@pytest.fixture
def badgr_connection(connect, badgr):
    return connect("badgr", secret="badgr-password", map_to="bc-1", base_url=badgr.url, username="issuer@academy.example")


def _delivery(credential):
    return OutboundDelivery.objects.get(credential=credential, action="credential.issued")


def test_it_issues_one_assertion_with_evidence_linking_the_public_page(credential, badgr, badgr_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)

    assert len(badgr.calls("POST", "/assertions")) == 1
    body = badgr.json_body(badgr.calls("POST", "/assertions")[0])
    assert body["recipient"] == {"identity": "ana@learners.example", "type": "email", "hashed": True}
    assert body["allowDuplicateAwards"] is False and body["notify"] is False
    assert body["evidence"][0]["url"].endswith(f"/credentials/{credential.pk}")
    delivery = _delivery(credential)
    assert delivery.status == Status.DONE and delivery.remote_id in badgr.assertions


def test_it_refreshes_an_expired_token_and_carries_on(credential, badgr, badgr_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    badgr.expire_tokens()
    credential_revoke(credential=credential, reason="Fraudulent completion")
    outbound_sweep()

    grants = [badgr.calls("POST", "/o/token")[i]["body"] for i in range(len(badgr.calls("POST", "/o/token")))]
    assert any(b"grant_type=refresh_token" in body for body in grants)
    assertion = next(iter(badgr.assertions.values()))
    assert assertion["revoked"] and assertion["revocationReason"] == "Fraudulent completion"


def test_it_retries_a_transient_failure_then_succeeds(credential, badgr, badgr_connection):
    badgr.script = [("fail", 502, {}, {"status": {"success": False, "description": "bad gateway"}, "result": []})]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.QUEUED

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1))
    assert delivery.status == Status.DONE and len(badgr.assertions) == 1


def test_it_shows_a_refused_password_to_staff(credential, badgr, connect):
    connect("badgr", secret="wrong", map_to="bc-1", base_url=badgr.url, username="issuer@academy.example")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.FAILED and "refused the username or password" in delivery.last_error
    assert badgr.assertions == {}


def test_it_finds_the_assertion_after_a_timeout_instead_of_awarding_it_twice(credential, badgr, badgr_connection, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    badgr.script = [("stall", 1.5)]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.outcome_unknown and delivery.status == Status.QUEUED

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE
    assert len(badgr.calls("POST", "/assertions")) == 1 and len(badgr.assertions) == 1
    assert delivery.remote_id == next(iter(badgr.assertions))


def test_it_refuses_a_private_address_without_the_setting(credential, badgr, badgr_connection, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    assert _delivery(credential).status == Status.FAILED
    assert badgr.requests == []
