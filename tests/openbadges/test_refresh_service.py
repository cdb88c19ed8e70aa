"""The credential's refreshService (1EdTech Credential Refresh): in the signed credential, and what its GET answers."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from issuance.models import Credential
from issuance.openbadges.credential_badge import credential_badge_for_holder
from issuance.openbadges.loader import OB_V3P0_EXTENSIONS_URL
from issuance.openbadges.refresh import refresh_service_build
from issuance.revocation import credential_revoke, credential_suspend
from tests.pipeline.conftest import complete, drive

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _get(client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def test_it_puts_an_unguessable_refresh_address_in_the_credential_the_pipeline_signs(issue, schema_validator, settings):
    credential = issue()

    badge = credential.badge
    service = badge["refreshService"]
    assert service["type"] == "1EdTechCredentialRefresh"
    assert service["id"].startswith(f"{settings.LAUREL_BASE_URL}/credentials/{credential.pk}/refresh/")
    assert len(service["id"].rsplit("/", 1)[1]) == 40
    assert badge["@context"][2] == OB_V3P0_EXTENSIONS_URL  # where 1EdTechCredentialRefresh is a term
    assert list(schema_validator.iter_errors(badge)) == []


def test_it_answers_the_credential_as_issued_while_it_is_valid(client, issue):
    credential = issue()

    answer = _get(client, credential.badge["refreshService"]["id"])

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vc+ld+json; charset=utf-8"
    assert answer["Cache-Control"] == "no-store" and answer["Laurel-Credential-Status"] == "active"
    assert json.loads(answer.content) == credential.badge


def test_it_refuses_a_forged_or_altered_address_and_any_method_but_get(client, issue):
    credential = issue()
    url = urlsplit(credential.badge["refreshService"]["id"]).path
    forged = url[:-1] + ("0" if url[-1] != "0" else "1")

    assert client.get(forged).status_code == 404
    assert client.get(forged).json()["status"] == "unknown"
    assert client.get(f"{url}?holder={HOLDER}").status_code == 404  # the token names no holder
    assert client.post(url).status_code == 405


def test_it_answers_410_with_the_reason_once_revoked(client, issue, admin_user):
    credential = issue()
    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)

    answer = _get(client, credential.badge["refreshService"]["id"])

    assert answer.status_code == 410
    assert answer.json() == {"status": "revoked", "reason": "Assessment found to be copied.", "id": credential.badge["id"]}


def test_it_answers_an_expired_or_suspended_credential_as_it_stands(client, issue, admin_user):
    credential = issue()
    Credential.objects.filter(pk=credential.pk).update(valid_until=timezone.now() - timedelta(days=1))

    answer = _get(client, credential.badge["refreshService"]["id"])
    assert answer.status_code == 200 and answer["Laurel-Credential-Status"] == "expired"
    assert json.loads(answer.content) == credential.badge

    Credential.objects.filter(pk=credential.pk).update(valid_until=timezone.now() + timedelta(days=30))
    credential_suspend(credential=Credential.objects.get(pk=credential.pk), reason="Under review.", actor=admin_user)
    answer = _get(client, credential.badge["refreshService"]["id"])
    assert answer.status_code == 200 and answer["Laurel-Credential-Status"] == "suspended"


def test_it_answers_the_renewed_credential_after_a_renewal(client, smtp, first_aid):
    completed = timezone.now() + timedelta(days=40) - relativedelta(months=12)
    old = drive(complete(first_aid, score=90, when=completed)).credential
    renewed = drive(complete(first_aid, score=95)).credential
    assert renewed.replaces_id == old.pk and Credential.objects.get(pk=old.pk).status == "superseded"

    answer = _get(client, old.badge["refreshService"]["id"])

    assert answer.status_code == 200 and answer["Laurel-Credential-Status"] == "active"
    assert json.loads(answer.content) == Credential.objects.get(pk=renewed.pk).badge
    assert json.loads(answer.content)["validUntil"] > old.badge["validUntil"]


def test_it_answers_the_reissued_credential_after_a_name_correction(client, issue, admin_user):
    from issuance.lifecycle.regenerate import credential_certificate_regenerate

    credential = issue(name="Ann Le")
    address = credential.badge["refreshService"]["id"]
    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Name misspelt",
                                      learner_name="Ann Lee")

    answer = json.loads(_get(client, address).content)

    names = [i["identityHash"] for i in answer["credentialSubject"]["identifier"] if i["identityType"] == "name"]
    assert names == ["Ann Lee"] and answer["id"] == credential.badge["id"]
    assert answer["refreshService"]["id"] == address  # the same address keeps answering


def test_a_wallets_copy_refreshes_to_the_current_credential_signed_for_the_same_holder(client, issue, settings):
    credential = issue()
    claimed = credential_badge_for_holder(credential=credential, holder_did=HOLDER)
    assert claimed["refreshService"] == refresh_service_build(credential_id=credential.pk, holder_did=HOLDER)
    assert claimed["refreshService"] != credential.badge["refreshService"]

    answer = _get(client, claimed["refreshService"]["id"])

    refreshed = json.loads(answer.content)
    assert answer.status_code == 200 and refreshed["credentialSubject"]["id"] == HOLDER
    assert refreshed["id"] == credential.badge["id"] and refreshed["refreshService"] == claimed["refreshService"]
    checked = client.post("/api/v1/verify", data=answer.content, content_type="application/json").json()
    assert checked["verified"] is True and checked["status"] == "valid", checked


def test_it_still_opens_addresses_made_before_the_secret_key_was_rotated(client, issue, settings):
    credential = issue()
    address = credential.badge["refreshService"]["id"]

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert _get(client, address).status_code == 200


def test_digital_bazaars_verifier_accepts_the_pipelines_credential_and_the_wallets_copy_with_their_refresh_service(
        issue, verify):
    from issuance.openbadges.issuer import organization_did_document
    from issuance.openbadges.status_lists import status_list_signed

    credential = issue()
    organization = credential.issuance.organization
    status_list = credential.status_entries.select_related("status_list").get(purpose="revocation").status_list
    evidence = dict(did_documents=[organization_did_document(organization=organization)],
                    status_lists=[status_list_signed(status_list=status_list)])

    for document in (credential.badge, credential_badge_for_holder(credential=credential, holder_did=HOLDER)):
        assert "refreshService" in document
        assert verify(document, **evidence) == {"accepted": True, "signatureVerified": True,
                                                "statuses": [{"purpose": "revocation", "set": False}], "errors": []}
