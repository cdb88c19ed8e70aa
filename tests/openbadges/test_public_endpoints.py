"""The machine-readable public endpoints: DID document, signed badge, status lists and Open Badges 2.0."""

import json

from issuance.models import StatusListEntry
from issuance.openbadges.issuer import organization_public_key
from courses.keys.crypto import public_key_multibase_decode
from issuance.openbadges.ob2 import png_unbake
from issuance.openbadges.sign import credential_verify
from issuance.openbadges.bitstring import bitstring_is_set
from issuance.revocation import credential_revoke, credential_suspend, credential_unsuspend


def _status_list(client, credential, purpose="revocation"):
    entry = StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)
    response = client.get(f"/status/harbour/{purpose}/{entry.status_list.number}")
    assert response.status_code == 200
    document = response.json()
    method = document["proof"][0]["verificationMethod"]
    public_key = organization_public_key(organization=credential.issuance.organization, verification_method=method)
    assert credential_verify(credential=document, public_key=public_key).verified
    return bitstring_is_set(encoded_list=document["credentialSubject"]["encodedList"], index=entry.index), response


def test_it_serves_the_did_document_with_every_key_in_assertion_method(client, academy, settings):
    settings.LAUREL_BASE_URL = "https://credentials.harbour.example"
    did = "did:web:credentials.harbour.example:issuers:harbour"

    response = client.get("/issuers/harbour/did.json")

    document = response.json()
    key = academy.signing_keys.get()
    assert response["Content-Type"].startswith("application/did+ld+json")
    assert document["id"] == did
    assert document["assertionMethod"] == [f"{did}#key-1"]
    assert document["verificationMethod"][0]["publicKeyMultibase"] == key.public_key_multibase
    assert client.get("/issuers/nobody/did.json").status_code == 404


def test_it_serves_the_signed_badge_exactly_as_issued(client, issue):
    credential = issue()

    response = client.get(f"/credentials/{credential.pk}.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json; charset=utf-8"
    assert "immutable" in response["Cache-Control"]
    assert json.loads(response.content) == credential.badge


def test_it_sets_the_bit_in_the_signed_status_list_the_moment_a_credential_is_revoked(client, issue, admin_user):
    credential = issue()
    assert _status_list(client, credential)[0] is False  # signed and stored: the warm copy

    credential_revoke(credential=credential, reason="Certificate obtained by fraud.", actor=admin_user)

    is_set, response = _status_list(client, credential)
    assert is_set is True
    assert response["Cache-Control"] == "no-cache"


def test_it_publishes_suspension_in_its_own_list_and_clears_it_on_restore(client, issue, admin_user):
    credential = issue()
    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)
    assert _status_list(client, credential, "suspension")[0] is True
    assert _status_list(client, credential, "revocation")[0] is False

    credential_unsuspend(credential=credential, reason="Review passed.", actor=admin_user)

    assert _status_list(client, credential, "suspension")[0] is False


def test_it_serves_open_badges_2_assertion_badge_class_and_issuer(client, issue, settings):
    credential = issue(email="Ann.Lee@Learners.example")
    base = settings.LAUREL_BASE_URL

    assertion = client.get(f"/ob2/assertions/{credential.pk}").json()
    badge_class = client.get(assertion["badge"].removeprefix(base)).json()
    issuer = client.get(badge_class["issuer"].removeprefix(base)).json()
    image = client.get(badge_class["image"].removeprefix(base))

    assert assertion["type"] == "Assertion" and assertion["verification"] == {"type": "HostedBadge"}
    assert assertion["recipient"]["hashed"] is True and assertion["recipient"]["identity"].startswith("sha256$")
    assert badge_class["type"] == "BadgeClass" and badge_class["name"] == "First Aid at Work"
    assert issuer["type"] == "Issuer" and issuer["name"] == "Harbour Academy"
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")


def test_it_serves_a_revoked_assertion_as_the_2_0_tombstone(client, issue, admin_user):
    credential = issue()
    credential_revoke(credential=credential, reason="Issued in error.", actor=admin_user)

    response = client.get(f"/ob2/assertions/{credential.pk}")

    assert response.status_code == 410
    assert response.json()["revoked"] is True and response.json()["revocationReason"] == "Issued in error."


def test_it_bakes_the_assertion_into_the_badge_png(client, issue):
    credential = issue()

    response = client.get(f"/credentials/{credential.pk}/badge.png")

    assert response["Content-Type"] == "image/png"
    baked = json.loads(png_unbake(png=response.content))
    assert baked == client.get(f"/ob2/assertions/{credential.pk}").json()


def test_it_never_shows_the_learners_email_on_any_public_address(client, issue):
    credential = issue(email="Private.Person@Learners.example")
    entry = StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose="revocation")
    addresses = [
        f"/credentials/{credential.pk}", f"/credentials/{credential.pk}.json", f"/credentials/{credential.pk}/badge.png",
        f"/ob2/assertions/{credential.pk}", f"/ob2/badges/{credential.achievement_id}", "/ob2/issuers/harbour",
        "/issuers/harbour/did.json", f"/status/harbour/revocation/{entry.status_list.number}",
    ]
    for address in addresses:
        body = client.get(address).content.lower()
        assert b"private.person" not in body and b"learners.example" not in body, address


def test_it_checks_old_credentials_against_keys_rotated_out(client, issue, academy):
    from courses.keys.rotation import organization_key_rotate

    credential = issue()
    organization_key_rotate(organization=academy)

    document = client.get("/issuers/harbour/did.json").json()
    old = public_key_multibase_decode(value=document["verificationMethod"][0]["publicKeyMultibase"])
    assert [m["id"].split("#")[1] for m in document["verificationMethod"]] == ["key-1", "key-2"]
    assert credential_verify(credential=credential.badge, public_key=old).verified
    assert "Signature verified" in client.get(f"/credentials/{credential.pk}").content.decode()
