"""Fixtures for the Open Badges tests: the 1EdTech vector and schema, an issuer, and a credential builder."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from issuance.openbadges.credential import open_badge_credential_build
from issuance.openbadges.did import issuer_did_document_build, issuer_did_web, verification_method_id
from issuance.openbadges.keys import key_pair_generate
from issuance.openbadges.sign import credential_sign
from issuance.openbadges.statuslist import status_list_entry_build

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def vector() -> dict:
    return json.loads((FIXTURES / "1edtech-obv3p0-eddsa-rdfc-2022.json").read_text())


@pytest.fixture(scope="session")
def schema_validator():
    schema = json.loads((FIXTURES / "ob_v3p0_achievementcredential_schema.json").read_text())
    cls = jsonschema.Draft201909Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


class Issuer:
    """An organisation with a rotated key: `old` is still published, `current` signs."""

    def __init__(self, base_url: str, slug: str = "acme-training"):
        self.base_url = base_url
        self.slug = slug
        self.did = issuer_did_web(base_url=base_url, slug=slug)
        self.old = key_pair_generate()
        self.current = key_pair_generate()
        self.verification_method = verification_method_id(did=self.did, key_id="key-2")

    def did_document(self) -> dict:
        return issuer_did_document_build(
            base_url=self.base_url,
            slug=self.slug,
            keys=[("key-1", self.old.public_key), ("key-2", self.current.public_key)],
        )

    def status_list_url(self, purpose: str = "revocation") -> str:
        return f"{self.base_url}/status/{self.slug}/{purpose}/1"

    def build(self, **overrides) -> dict:
        now = datetime.now(timezone.utc)
        values = dict(
            credential_id=f"{self.base_url}/credentials/0b0ad0e5-9d8e-4d6c-9c39-5a3c1b2f6a11.json",
            issuer_id=self.did,
            issuer_name="Acme Training Ltd",
            issuer_url="https://acme-training.example",
            issuer_image="https://acme-training.example/logo.png",
            achievement_id="https://acme-training.example/achievements/fire-safety",
            achievement_name="Fire Safety Awareness",
            achievement_description="Recognises safe conduct around fire hazards.",
            criteria_narrative="Complete all modules and pass the final quiz with at least 80%.",
            achievement_image="https://acme-training.example/badges/fire-safety.png",
            achievement_tags=["safety", "compliance"],
            recipient_email="Ann.Learner@Example.org",
            recipient_salt="9c1f0b5e2a",
            valid_from=now - timedelta(days=1),
        )
        values.update(overrides)
        return open_badge_credential_build(**values)

    def sign(self, credential: dict) -> dict:
        return credential_sign(
            credential=credential,
            private_key=self.current.private_key,
            verification_method=self.verification_method,
            created=datetime.now(timezone.utc),
        )

    def status_entry(self, index: int, purpose: str = "revocation") -> dict:
        return status_list_entry_build(list_url=self.status_list_url(purpose), index=index, purpose=purpose)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer("https://laurel.example.org")
