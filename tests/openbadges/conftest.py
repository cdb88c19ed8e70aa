"""Fixtures for the Open Badges tests: the 1EdTech vector and schema, an issuer, and a credential builder."""

import fcntl
import hashlib
import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from issuance.openbadges.credential import open_badge_credential_build
from issuance.openbadges.did import issuer_did_document_build, issuer_did_web, verification_method_id
from courses.keys.crypto import key_pair_generate
from issuance.openbadges.sign import credential_sign
from issuance.openbadges.bitstring import status_list_entry_build
from tests.pipeline.conftest import complete, drive, smtp  # noqa: F401 (smtp is a fixture used here)
from tests.services import require_program

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERIFIER_DIR = Path(__file__).resolve().parent / "verifier"


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


@pytest.fixture(scope="session")
def verifier_installed() -> Path:
    """`npm ci` once per lock file: a stamp in node_modules records which lock was installed."""
    node, npm = require_program("node", package="nodejs"), require_program("npm", package="npm")
    lock_digest = hashlib.sha256((VERIFIER_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = VERIFIER_DIR / "node_modules" / ".laurel-lock-sha256"
    # Two suites at once (CI runs both profiles side by side) take turns: `npm ci` empties node_modules.
    with open(VERIFIER_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.read_text() != lock_digest:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=VERIFIER_DIR, capture_output=True, text=True, timeout=600,
            )
            assert done.returncode == 0, f"npm ci failed in {VERIFIER_DIR}:\n{done.stdout}\n{done.stderr}"
            stamp.write_text(lock_digest)
    return Path(node)


@pytest.fixture
def verify(verifier_installed, tmp_path):
    """Run Digital Bazaar's verifier on a credential; returns its JSON verdict."""
    def run(credential: dict, *, did_documents=(), status_lists=(), fetch_local=False) -> dict:
        args = [str(verifier_installed), "verify.mjs"]
        for name, document in [("credential", credential)] + [("did-document", d) for d in did_documents] + [
            ("status-list", s) for s in status_lists
        ]:
            path = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.json"
            path.write_text(json.dumps(document))
            args += [f"--{name}", str(path)]
        if fetch_local:
            args.append("--fetch-local")
        done = subprocess.run(args, cwd=VERIFIER_DIR, capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), f"verifier crashed:\n{done.stdout}\n{done.stderr}"
        result = json.loads(done.stdout)
        assert result["accepted"] == (done.returncode == 0)
        return result

    return run


# --- Credentials issued by the real pipeline ------------------------------------------------------


@pytest.fixture
def academy(db):
    from tests.factories.issuance import organization_with_templates

    return organization_with_templates(name="Harbour Academy", slug="harbour", website="https://harbour.example",
                                       primary_color="#0E5E4E", accent_color="#E0B84C")


@pytest.fixture
def first_aid(academy):
    """First Aid, pass mark 80, valid for 12 months."""
    from decimal import Decimal

    from courses.models import RuleSetVersion
    from courses.services import ruleset_version_publish
    from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory

    ruleset = RuleSetFactory(organization=academy, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=academy, name="First Aid at Work", validity_amount=12,
                                     validity_unit="months", tags="first aid, CPR",
                                     description="Recognises the skills to give first aid at work.",
                                     criteria_narrative="Passed the assessment with at least 80%.")
    return CourseFactory(organization=academy, code="FA-1", title="First Aid at Work", achievement=achievement,
                         ruleset=ruleset)


@pytest.fixture
def issue(smtp, first_aid):
    """Run a completion through the whole pipeline; returns the credential it produced."""
    from issuance.models import Credential

    def run(*, email="ann.lee@learners.example", name="Ann Lee", score=92, course=None) -> Credential:
        issuance = drive(complete(course or first_aid, email=email, name=name, score=score))
        assert issuance.state == "synced", (issuance.state, issuance.error)
        return Credential.objects.select_related("issuance__organization", "achievement", "learner").get(
            issuance=issuance)

    return run


@pytest.fixture
def wallet_fill(verifier_installed, tmp_path):
    """Fill an SVG render template with a credential as the Learner Credential Wallet does (Handlebars); returns the SVG."""
    def run(template: str, credential: dict) -> str:
        (tmp_path / "card.svg").write_text(template, encoding="utf-8")
        (tmp_path / "card-credential.json").write_text(json.dumps(credential), encoding="utf-8")
        done = subprocess.run([str(verifier_installed), "render-svg.mjs", "--template", str(tmp_path / "card.svg"),
                               "--credential", str(tmp_path / "card-credential.json")],
                              cwd=VERIFIER_DIR, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"render-svg.mjs failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    return run
