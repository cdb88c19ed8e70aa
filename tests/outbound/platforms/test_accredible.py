"""Accredible: a credential with our id in the mapped group, the 429 window honoured, found by our id, withdrawn."""

from datetime import timedelta

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_platforms_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.platforms import AccredibleServer

Status = OutboundDelivery.Status


@pytest.fixture
def accredible():
    with AccredibleServer() as server:
        yield server


@pytest.fixture
def accredible_connection(connect, accredible):
    return connect("accredible", secret="accredible-key", map_to="1234", base_url=accredible.url)


def _delivery(credential):
    return OutboundDelivery.objects.get(credential=credential, action="credential.issued")


def test_it_creates_the_credential_once_with_our_id_and_the_grade(credential, accredible, accredible_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)

    assert len(accredible.calls("POST", "/v1/credentials")) == 1
    stored = accredible.credentials[str(credential.pk)]
    assert stored["group_id"] == 1234 and stored["recipient"]["email"] == "ana@learners.example"
    assert stored["evidence_items"] == [{"description": "Grade", "category": "grade", "string_object": {"grade": "86"}}]
    delivery = _delivery(credential)
    assert (delivery.status, delivery.remote_url) == (Status.DONE, stored["url"])


def test_it_waits_out_the_rate_limit_window_then_succeeds(credential, accredible, accredible_connection):
    accredible.limit = 0  # every call in this window is refused with 429
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.QUEUED and "429" in delivery.last_error
    assert delivery.next_attempt_at - delivery.sending_started_at == timedelta(seconds=30)

    accredible.limit = None
    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE and len(accredible.credentials) == 1


def test_it_honours_retry_after_when_accredible_sends_it(credential, accredible, accredible_connection):
    accredible.script = [("fail", 429, {"retry-after": "120"}, {"errors": "slow down"})]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.next_attempt_at - delivery.sending_started_at == timedelta(seconds=120)


def test_it_shows_an_invalid_group_to_staff(credential, accredible, connect):
    connect("accredible", secret="accredible-key", map_to="999", base_url=accredible.url)
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.FAILED and "Invalid Group" in delivery.last_error


def test_it_looks_the_credential_up_by_our_id_after_a_timeout(credential, accredible, accredible_connection, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    accredible.script = [("stall", 1.5)]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.outcome_unknown

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE
    assert len(accredible.calls("POST", "/v1/credentials")) == 1
    assert accredible.calls("GET", f"/v1/credentials/{credential.pk}")


def test_it_withdraws_the_credential_when_it_is_revoked(credential, accredible, accredible_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    credential_revoke(credential=credential, reason="Issued in error")
    outbound_sweep()
    assert accredible.credentials == {}
    assert OutboundDelivery.objects.get(credential=credential, action="credential.revoked").status == Status.DONE


def test_it_refuses_a_private_address_without_the_setting(credential, accredible, accredible_connection, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    assert _delivery(credential).status == Status.FAILED and accredible.requests == []


def test_a_name_correction_updates_the_credential_on_accredible(credential, accredible, accredible_connection, admin_user, settings, tmp_path):
    from courses.defaults import organization_install_default_templates
    from issuance.lifecycle.regenerate import credential_certificate_regenerate
    from issuance.openbadges.credential_badge import credential_badge_sign, credential_badge_store

    settings.MEDIA_ROOT = tmp_path
    organization_install_default_templates(organization=credential.issuance.organization)
    # Signed as the pipeline signs it before the certificate that carries it (a corrected name re-signs it).
    credential_badge_store(credential=credential, signed=credential_badge_sign(credential=credential))
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Typo in the name",
                                      learner_name="Ana Maria Lima-Souza")
    outbound_sweep()
    assert accredible.credentials[str(credential.pk)]["recipient"]["name"] == "Ana Maria Lima-Souza"
    assert OutboundDelivery.objects.get(credential=credential, action="credential.updated").status == Status.DONE
