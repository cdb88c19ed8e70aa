"""Sample learners and the shipped default templates, for the admin preview, the benchmark and the docs."""

from datetime import datetime, timezone

from courses.defaults import DEFAULT_CERTIFICATES, DEFAULTS_DIR
from issuance.certificates.merge_fields import certificate_merge_fields

SAMPLE_NAMES = {
    "latin": "Zoë Ångström-Øberg",
    "vietnamese": "Nguyễn Thị Minh Khai",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Анна Каренина",
    "arabic": "محمد بن عبد الله",
    "hebrew": "דוד בן־גוריון",
    "chinese": "王小明",
    "japanese": "山田太郎",
    "korean": "김민준",
    "mixed": "Maria José 王 Петрова-Smith",
    "markup": "O'Brien <b>&</b> Sons",
    "long": ("Alexandra Konstantina Wilhelmina Maximiliana von Hohenberg-Sigmaringen de la Cruz y Montenegro "
             "Fitzgerald-Oyelaran Ramaswamy Nakamura-Lindqvist Okonkwo-Castellanos Dubois-Van der Merwe Abernathy-Quinn"),
}

def sample_context(name: str, **overrides) -> dict:
    fields = dict(
        learner_name=name,
        course_title="First Aid at Work",
        course_code="FA-101",
        achievement_name="First Aid at Work",
        achievement_description="Emergency first aid in the workplace.",
        completed_at=datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc),
        issued_at=datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc),
        expires_at=datetime(2029, 11, 21, 9, 0, tzinfo=timezone.utc),
        credential_id="7A0C-5F3E-1B2D",
        verification_url="https://credentials.example.org/c/7a0c5f3e-1b2d-4c8e-9f00-123456789abc",
        score=92,
        organization_name="Northbridge Safety Academy",
        signatories=[
            {"name": "Dr. Helen Okafor", "title": "Director of Training"},
            {"name": "James Whitfield", "title": "Lead Instructor"},
        ],
        locale="en",
        timezone="Europe/London",
    )
    fields.update(overrides)
    return certificate_merge_fields(**fields)

def default_template(name: str) -> dict:
    spec = DEFAULT_CERTIFICATES[name]
    return {
        "template_html": (DEFAULTS_DIR / spec.html).read_text(encoding="utf-8"),
        "template_css": (DEFAULTS_DIR / spec.css).read_text(encoding="utf-8"),
        "page_size": spec.page_size,
        "orientation": spec.orientation,
    }

METADATA = {"title": "Certificate - First Aid at Work", "author": "Northbridge Safety Academy", "subject": "First Aid at Work"}

# The shape of a signed Open Badges 3.0 credential as Laurel issues one, for the certificate's
# embedded credential.json in the benchmark and the tests. The proof value is a placeholder of the
# real length (an Ed25519 signature in base58btc): nothing verifies this sample.
_SAMPLE_BASE = "https://credentials.example.org"
_SAMPLE_ACHIEVEMENT = f"{_SAMPLE_BASE}/achievements/first-aid-at-work"
SAMPLE_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": f"{_SAMPLE_BASE}/credentials/7a0c5f3e-1b2d-4c8e-9f00-123456789abc.json",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:web:credentials.example.org:issuers:northbridge", "type": ["Profile"],
               "name": "Northbridge Safety Academy", "url": "https://northbridge.example"},
    "validFrom": "2026-11-21T09:00:00Z",
    "name": "First Aid at Work",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityHash": "sha256$70666d5bcd787b83bd976c5c77bc77439b5047b81eddff508b7353510a345944",
             "identityType": "emailAddress", "hashed": True, "salt": "sample-salt"},
            {"type": "IdentityObject", "identityHash": "Nguyễn Thị Minh Khai", "identityType": "name", "hashed": False},
        ],
        "achievement": {
            "id": _SAMPLE_ACHIEVEMENT, "type": ["Achievement"], "name": "First Aid at Work",
            "description": "Emergency first aid in the workplace.",
            "criteria": {"narrative": "Completed the course with a score of 80 or more."},
            "resultDescription": [{"id": f"{_SAMPLE_ACHIEVEMENT}#result-score", "type": ["ResultDescription"], "name": "Score",
                                   "resultType": "Percent", "valueMin": "0", "valueMax": "100"}],
        },
        "result": [{"type": ["Result"], "resultDescription": f"{_SAMPLE_ACHIEVEMENT}#result-score", "value": "92"}],
    },
    "validUntil": "2029-11-21T09:00:00Z",
    "credentialStatus": {
        "id": f"{_SAMPLE_BASE}/status/northbridge/revocation/1#48213", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "48213",
        "statusListCredential": f"{_SAMPLE_BASE}/status/northbridge/revocation/1",
    },
    "proof": [{
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-11-21T09:00:01Z",
        "verificationMethod": "did:web:credentials.example.org:issuers:northbridge#key-1", "proofPurpose": "assertionMethod",
        "proofValue": "z" + "5" * 87,
    }],
}
