"""The pipeline's render step signs an Open Badges 3.0 credential per credential, once."""

from cryptography.fernet import Fernet

from courses.models import Organization
from issuance.models import Credential, Issuance, StatusListEntry
from issuance.openbadges.credential import email_identity_hash
from issuance.openbadges.credential_badge import credential_badge_sign
from issuance.openbadges.issuer import organization_public_key
from courses.keys.crypto import public_key_from_did_key
from issuance.openbadges.sign import credential_verify

from .conftest import complete, drive


def _verify_with_our_keys(credential: Credential):
    method = credential.badge["proof"][0]["verificationMethod"]
    public_key = organization_public_key(organization=credential.issuance.organization, verification_method=method)
    return credential_verify(credential=credential.badge, public_key=public_key)


def test_it_signs_a_credential_that_passes_the_1edtech_schema(issue, schema_validator, settings):
    settings.LAUREL_BASE_URL = "https://credentials.harbour.example"
    credential = issue(email="Ann.Lee@Learners.example", score=92)
    badge = credential.badge

    assert list(schema_validator.iter_errors(badge)) == []
    assert _verify_with_our_keys(credential).verified
    assert badge["id"] == f"{settings.LAUREL_BASE_URL}/credentials/{credential.pk}.json"
    assert badge["issuer"]["id"] == "did:web:credentials.harbour.example:issuers:harbour"
    assert badge["proof"][0]["verificationMethod"] == "did:web:credentials.harbour.example:issuers:harbour#key-1"
    assert badge["validUntil"] and badge["validFrom"]
    assert badge["credentialSubject"]["achievement"]["name"] == "First Aid at Work"
    assert badge["credentialSubject"]["result"] == [
        {"type": ["Result"], "resultDescription": badge["credentialSubject"]["achievement"]["resultDescription"][0]["id"],
         "value": "92"}
    ]
    email_id = badge["credentialSubject"]["identifier"][0]
    salt = credential.issuance.organization.recipient_salt
    assert email_id["identityHash"] == email_identity_hash(email="ann.lee@learners.example", salt=salt)
    assert "ann.lee" not in str(badge).lower()


def test_it_carries_the_revocation_entry_and_keeps_a_suspension_entry_in_the_database(issue, settings):
    credential = issue()
    entries = {e.purpose: e for e in StatusListEntry.objects.filter(credential=credential).select_related("status_list")}

    status = credential.badge["credentialStatus"]
    assert set(entries) == {"revocation", "suspension"}
    assert status == {
        "id": f"{settings.LAUREL_BASE_URL}/status/harbour/revocation/1#{entries['revocation'].index}",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": str(entries["revocation"].index),
        "statusListCredential": f"{settings.LAUREL_BASE_URL}/status/harbour/revocation/1",
    }


def test_it_gives_each_credential_its_own_random_index(issue, first_aid):
    indexes = [
        StatusListEntry.objects.get(credential=issue(email=f"learner{n}@learners.example"), purpose="revocation").index
        for n in range(4)
    ]
    assert len(set(indexes)) == 4
    assert max(indexes) > 1000  # drawn at random from 131,072, not handed out in issue order


def test_it_leaves_the_result_out_when_the_rules_did_not_use_a_score(issue, first_aid):
    first_aid.ruleset = None
    first_aid.save()

    credential = issue(score=55)

    assert "result" not in credential.badge["credentialSubject"]


def test_it_reuses_what_was_stored_when_the_step_runs_again(issue):
    credential = issue()
    stored = credential.badge
    entries = list(StatusListEntry.objects.filter(credential=credential).values_list("pk", "index"))

    again = credential_badge_sign(credential=Credential.objects.get(pk=credential.pk))

    assert again == stored
    assert list(StatusListEntry.objects.filter(credential=credential).values_list("pk", "index")) == entries


def test_it_keeps_the_status_indexes_taken_before_a_crash(smtp, first_aid):
    issuance = complete(first_aid, score=90)
    drive(issuance, limit=1)  # decided: now waiting for the render step, which signs before it renders
    credential = Credential.objects.get(issuance=issuance)
    first_try = credential_badge_sign(credential=credential)  # signed, then the worker "died" before storing

    issuance = drive(issuance)

    credential.refresh_from_db()
    assert issuance.state == Issuance.State.SYNCED
    assert credential.badge["credentialStatus"] == first_try["credentialStatus"]
    assert StatusListEntry.objects.filter(credential=credential).count() == 2


def test_it_names_the_issuer_by_did_key_when_the_organisation_chooses_it(issue, academy, schema_validator):
    Organization.objects.filter(pk=academy.pk).update(issuer_id_method=Organization.IssuerIdMethod.DID_KEY)

    badge = issue().badge

    issuer = badge["issuer"]["id"]
    assert issuer.startswith("did:key:z6Mk")
    assert badge["proof"][0]["verificationMethod"] == f"{issuer}#{issuer.removeprefix('did:key:')}"
    assert credential_verify(credential=badge, public_key=public_key_from_did_key(did=issuer)).verified
    assert list(schema_validator.iter_errors(badge)) == []


def test_it_parks_the_issuance_when_the_signing_key_cannot_be_decrypted(smtp, first_aid, academy, settings):
    academy.signing_keys.get()  # made with the organisation, under the current encryption key
    settings.LAUREL = {**settings.LAUREL, "ORGANIZATION_KEY_SECRET": Fernet.generate_key().decode()}

    issuance = drive(complete(first_aid, score=90))

    # The render step signs first (the certificate carries the signed credential), so it parks there.
    assert issuance.state == Issuance.State.PARKED and issuance.failed_step == "render"
    assert "LAUREL_KEY_ENCRYPTION_KEY" in issuance.error
    assert Credential.objects.get(issuance=issuance).badge is None
