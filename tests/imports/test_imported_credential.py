"""An imported credential is a Laurel credential like any other: valid against the bundled OB 3.0 schema, accepted
by an independent verifier, its public page and PDF served, and marked imported where staff look."""

import requests
from django.urls import reverse

from issuance.models import Credential, Issuance
from tests.openbadges.conftest import schema_validator, verifier_installed, verify  # noqa: F401  (fixtures)

from tests.pipeline.conftest import complete, drive

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


def test_its_public_page_says_where_and_when_it_was_originally_issued_in_the_learners_language(imports, client):
    run_import("credly_issued_badges.csv", "--from", "credly", "--map", "cfaf2910-0000-4000-8000-00000000f501=FS-101")
    issued = {i.learner.email: i for i in drive_all()}
    ann, bo = issued["ann@learners.example"], issued["bo@learners.example"]
    Issuance.objects.filter(pk=bo.pk).update(language="fr")
    own = drive(complete(imports["MH-101"])).credential  # Laurel's own: nothing to say

    page = client.get(f"/credentials/{ann.credential.pk}").content.decode()
    french = client.get(f"/credentials/{bo.credential.pk}").content.decode()

    assert "<dt>Originally issued</dt><dd>On Credly, 4 March 2025</dd>" in page  # 09:41 -0500, in Harbour's zone
    assert "<dt>Délivré à l’origine</dt><dd>Sur Credly, le 1 juin 2025</dd>" in french
    assert "Originally issued" not in client.get(f"/credentials/{own.pk}").content.decode()
