"""Badgr: an assertion once on the mapped badge class, tokens refreshed, no second award after a timeout, revocation."""

from datetime import timedelta

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.connections import ConnectionSettingsError, connection_test
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


def test_it_signs_in_again_when_the_refresh_grant_is_refused_and_carries_on(credential, badgr, badgr_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    badgr.expire_tokens()
    credential_revoke(credential=credential, reason="Fraudulent completion")
    outbound_sweep()

    # A real Badgr answers 401 "Token refresh failed!" to refreshing a password-grant token.
    grants = [call["body"] for call in badgr.calls("POST", "/o/token")]
    assert b"grant_type=refresh_token" in grants[1] and b"grant_type=password" in grants[2]
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


def test_it_signs_in_with_the_client_credentials_grant(credential, badgr, connect):
    connect("badgr", secret="client-secret", map_to="bc-1", base_url=badgr.url, grant="client_credentials",
            client_id="laurel-client")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)

    assert _delivery(credential).status == Status.DONE and len(badgr.assertions) == 1
    form = badgr.calls("POST", "/o/token")[0]["body"].decode()
    assert "grant_type=client_credentials" in form and "client_id=laurel-client" in form and "username" not in form


def test_it_names_a_refused_client_secret(credential, badgr, connect):
    connect("badgr", secret="wrong", map_to="bc-1", base_url=badgr.url, grant="client_credentials", client_id="laurel-client")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.FAILED and "refused the client id or secret (401)" in delivery.last_error


@pytest.mark.parametrize("given, needed", [({"grant": "client_credentials"}, "client_id"), ({}, "username"),
                                              ({"grant": "implicit", "username": "u"}, "'password' or 'client_credentials'")])
def test_it_refuses_settings_the_grant_cannot_sign_in_with(badgr, connect, given, needed):
    with pytest.raises(ConnectionSettingsError, match=needed):
        connect("badgr", secret="s", base_url=badgr.url, **given)


def test_it_forgets_a_token_the_server_dropped_even_when_it_answers_500(credential, badgr, connect):
    badgr.unknown_token_status = 500  # a real Badgr without OIDC configured
    connect("badgr", secret="badgr-password", map_to="bc-1", base_url=badgr.url, username="issuer@academy.example")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    badgr.expire_tokens()
    credential_revoke(credential=credential, reason="Fraudulent completion")
    outbound_sweep()
    revocation = OutboundDelivery.objects.get(credential=credential, action="credential.revoked")
    assert revocation.status == Status.QUEUED
    assert "500: an HTML page (Server Error (500))" in revocation.last_error and "<" not in revocation.last_error

    revocation = delivery_perform(delivery_id=revocation.pk, now=revocation.next_attempt_at + timedelta(seconds=1))
    assert revocation.status == Status.DONE
    assert next(iter(badgr.assertions.values()))["revoked"]
    assert len(badgr.calls("POST", "/o/token")) == 2  # signed in afresh, not stuck on the dropped token


def test_send_a_test_checks_each_mapped_badge_class(course, badgr, connect):
    connection = connect("badgr", secret="badgr-password", map_to="bc-1", base_url=badgr.url, username="issuer@academy.example")
    assert connection_test(connection=connection) == "OK: signed in as issuer@academy.example; 1 issuer(s) visible. 1 mapping(s) checked."


def test_send_a_test_names_a_badge_class_that_does_not_exist(course, badgr, connect):
    connection = connect("badgr", secret="badgr-password", map_to="bc-typo", base_url=badgr.url, username="issuer@academy.example")
    result = connection_test(connection=connection)
    assert result.startswith("Failed (permanent): ") and "badge class 'bc-typo': not found on Badgr" in result
    assert f"{course.achievement} → badge class 'bc-typo'" in result
    connection.refresh_from_db()
    assert connection.last_test_result == result


def test_send_a_test_names_a_badge_class_this_account_may_not_award(course, badgr, connect):
    badgr.badgeclasses["bc-other"] = "issuer-2"
    badgr.viewing_issuers.add("issuer-2")
    connection = connect("badgr", secret="badgr-password", map_to="bc-other", base_url=badgr.url, username="issuer@academy.example")
    result = connection_test(connection=connection)
    assert result.startswith("Failed (permanent): ") and "badge class 'bc-other': this account has staff on its issuer 'issuer-2'" in result
