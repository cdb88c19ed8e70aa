"""An imported credential is a Laurel credential like any other: valid against the bundled OB 3.0 schema, accepted
by an independent verifier, its public page and PDF served, and marked imported where staff look."""

import requests
from django.urls import reverse

from issuance.models import Credential
from tests.openbadges.conftest import schema_validator, verifier_installed, verify  # noqa: F401  (fixtures)

from .conftest import drive_all, run_import


def test_it_validates_against_the_schema_and_an_independent_verifier_accepts_it(
        imports, live_server, settings, schema_validator, verify):  # noqa: F811
    settings.LAUREL_BASE_URL = base = f"http://127.0.0.1:{live_server.thread.port}"
    run_import("badgr_assertions.json", "--from", "badgr", "--map", "bcFireSafe02=FS-101")
    drive_all()
    credential = Credential.objects.get(learner__email="ann@learners.example")

    served = requests.get(f"{base}/credentials/{credential.pk}.json", timeout=10).json()
    errors = sorted(e.message for e in schema_validator.iter_errors(served))
    verdict = verify(served, fetch_local=True)
    page = requests.get(f"{base}/credentials/{credential.pk}", timeout=10)

    assert errors == []
    assert verdict == {"accepted": True, "signatureVerified": True,
                       "statuses": [{"purpose": "revocation", "set": False}], "errors": []}
    assert served["validFrom"] == "2025-02-01T10:00:00Z" and served["validUntil"] == "2028-02-01T10:00:00Z"
    assert page.status_code == 200 and "Ann Lee" in page.text and "First Aid" in page.text
    assert credential.pdf.read()[:5] == b"%PDF-"
