"""A learner's CLR 2.0 record: 1EdTech's vector reproduced, 1EdTech's schema met, Digital Bazaar's verifier satisfied."""

import copy
import json
from datetime import datetime, timezone

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuance.models import Credential, Issuance
from issuance.openbadges.issuer import organization_badge_verify, organization_did_document
from issuance.openbadges.learner_record import LearnerRecordEmpty, learner_record_assemble
from issuance.openbadges.sign import credential_sign
from issuance.revocation import credential_revoke
from tests.factories.issuance import organization_with_templates
from tests.factories.courses import AchievementFactory, CourseFactory
from tests.pipeline.conftest import org  # noqa: F401 (a fixture)
from tests.programmes.conftest import courses, make_programme  # noqa: F401 (fixtures)

from .conftest import FIXTURES, complete, drive

CLR_CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


@pytest.fixture(scope="session")
def clr_schema():
    schema = json.loads((FIXTURES / "clr_v2p0_clrcredential_schema.json").read_text())
    cls = jsonschema.Draft201909Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture
def earned(smtp, courses, make_programme):  # noqa: F811
    """Ann holds First Aid, Fire Safety and Manual Handling, and so the Workplace Safety Officer programme."""
    def earn(**options):
        programme = make_programme(**options)
        constituents = {code: drive(complete(courses[code])).credential for code in ("FA-101", "FS-101", "MH-101")}
        [issuance] = Issuance.objects.filter(course=programme.course)
        return programme, constituents, drive(issuance).credential
    return earn


def embedded_ids(record: dict) -> set[str]:
    return {c["id"] for c in record["credentialSubject"]["verifiableCredential"]}


def test_it_reproduces_1edtechs_clr_test_vector():
    vector = json.loads((FIXTURES / "1edtech-clrv2p0-eddsa-rdfc-2022.json").read_text())
    signed = vector["signedCredential"]
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["privateKeyHex"]))

    ours = credential_sign(credential=unsigned, private_key=key, verification_method=signed["proof"][0]["verificationMethod"],
                           created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=timezone.utc))

    assert ours["proof"][0]["proofValue"] == signed["proof"][0]["proofValue"]


def test_it_assembles_a_programme_record_that_meets_the_clr_schema(earned, clr_schema):
    programme, constituents, programme_credential = earned(ordered=True)

    record = learner_record_assemble(learner=programme_credential.learner, programme=programme)

    errors = sorted(clr_schema.iter_errors(record), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert record["@context"] == CLR_CONTEXTS
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["issuer"]["id"] == programme_credential.badge["issuer"]["id"]
    subject = record["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert subject["identifier"][0]["identityHash"] == programme_credential.badge["credentialSubject"]["identifier"][0]["identityHash"]
    # Each credential as issued, byte for byte.
    issued = {c.badge["id"]: c.badge for c in [*constituents.values(), programme_credential]}
    assert {c["id"]: c for c in subject["verifiableCredential"]} == issued
    programme_id = programme_credential.badge["credentialSubject"]["achievement"]["id"]
    parts = [constituents[code].badge["credentialSubject"]["achievement"]["id"] for code in ("FA-101", "FS-101", "MH-101")]
    assert {a["id"] for a in subject["achievement"]} == {programme_id, *parts}
    assert subject["association"] == [
        *[{"type": "Association", "associationType": "isPartOf", "sourceId": part, "targetId": programme_id} for part in parts],
        {"type": "Association", "associationType": "precedes", "sourceId": parts[0], "targetId": parts[1]},
        {"type": "Association", "associationType": "precedes", "sourceId": parts[1], "targetId": parts[2]},
    ]
    assert organization_badge_verify(organization=programme.organization, badge=record)


def test_an_unordered_programme_says_part_of_and_no_order(earned):
    programme, _, programme_credential = earned()

    record = learner_record_assemble(learner=programme_credential.learner, programme=programme)

    assert {a["associationType"] for a in record["credentialSubject"]["association"]} == {"isPartOf"}


def test_the_independent_verifier_accepts_the_record_and_every_credential_in_it(live_server, settings, earned, verify):
    settings.LAUREL_BASE_URL = f"http://127.0.0.1:{live_server.thread.port}"  # DID document and status lists, on loopback
    programme, _, programme_credential = earned(ordered=True)

    record = learner_record_assemble(learner=programme_credential.learner, programme=programme)

    assert verify(record, fetch_local=True) == {"accepted": True, "signatureVerified": True, "statuses": [], "errors": []}
    for embedded in record["credentialSubject"]["verifiableCredential"]:
        assert verify(embedded, fetch_local=True)["accepted"], embedded["name"]
    tampered = copy.deepcopy(record)
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "Brain Surgery"
    refused = verify(tampered, did_documents=[organization_did_document(organization=programme.organization)])
    assert not refused["signatureVerified"] and "Invalid signature." in refused["errors"]


def test_a_record_assembled_after_a_revocation_leaves_the_revoked_credential_out(earned, admin_user):
    programme, constituents, programme_credential = earned()
    learner = programme_credential.learner
    before = learner_record_assemble(learner=learner, programme=programme)

    credential_revoke(credential=constituents["FS-101"], reason="Assessment found to be copied.", actor=admin_user)
    after = learner_record_assemble(learner=learner, programme=programme)

    revoked_id = constituents["FS-101"].badge["id"]
    assert revoked_id in embedded_ids(before)
    assert revoked_id not in embedded_ids(after)
    assert embedded_ids(after) == embedded_ids(before) - {revoked_id}
    # The programme still names Fire Safety as one of its parts: what it requires has not changed.
    fire_safety = constituents["FS-101"].badge["credentialSubject"]["achievement"]["id"]
    assert fire_safety in {a["id"] for a in after["credentialSubject"]["achievement"]}


def test_an_organisation_record_holds_that_organisations_credentials_only(earned, clr_schema):
    programme, constituents, programme_credential = earned()
    elsewhere = organization_with_templates(name="Quay College", slug="quay")
    other_course = CourseFactory(organization=elsewhere, code="FA-101",
                                 achievement=AchievementFactory(organization=elsewhere, name="First Aid"))
    theirs = drive(complete(other_course)).credential  # the same address, another organisation
    loose = CourseFactory(organization=programme.organization, code="CPR-1",
                          achievement=AchievementFactory(organization=programme.organization, name="CPR"))
    unrelated = drive(complete(loose)).credential

    record = learner_record_assemble(learner=programme_credential.learner)

    assert not list(clr_schema.iter_errors(record))
    assert embedded_ids(record) == {c.badge["id"] for c in [*constituents.values(), programme_credential, unrelated]}
    assert theirs.badge["id"] not in embedded_ids(record)
    assert {a["associationType"] for a in record["credentialSubject"]["association"]} == {"isPartOf"}
    assert learner_record_assemble(learner=theirs.learner)["issuer"]["name"] == "Quay College"


def test_it_refuses_to_assemble_an_empty_record(earned, admin_user):
    programme, constituents, programme_credential = earned(on_constituent_revoked="revoke")
    for credential in constituents.values():
        credential_revoke(credential=credential, reason="Course withdrawn.", actor=admin_user)

    assert Credential.objects.get(pk=programme_credential.pk).status == Credential.Status.REVOKED
    with pytest.raises(LearnerRecordEmpty, match="holds no active or expired credential towards Workplace Safety Officer"):
        learner_record_assemble(learner=programme_credential.learner, programme=programme)
