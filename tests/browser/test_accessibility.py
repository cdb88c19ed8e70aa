"""The pages learners and verifiers open, checked with axe-core in a real browser: no serious or
critical WCAG 2.1 AA violation. axe-core comes inside the axe-playwright-python wheel (no network)."""

import pytest
from django.urls import reverse

from issuance.credentials import credential_public_code
from issuance.revocation import credential_revoke
from tests.openbadges.conftest import academy, first_aid, issue, smtp  # noqa: F401  (fixtures)

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious_violations(page) -> list[str]:
    results = axe_playwright.Axe().run(page, options=WCAG_21_AA)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def credential(issue):
    return issue(name="Ann Lee")


def test_the_public_credential_page_has_no_serious_wcag_violation(page, credential):
    page.goto(reverse("credential-page", args=[credential.pk]))
    assert serious_violations(page) == []


def test_the_verification_pages_have_no_serious_wcag_violation(page, credential):
    page.goto(reverse("credential-verify"))  # the form a verifier types a code into
    assert serious_violations(page) == []
    page.goto(reverse("credential-verify") + "?code=" + credential_public_code(credential_id=credential.pk))
    assert serious_violations(page) == []
    page.goto(reverse("credential-verify") + "?code=NOT-A-CODE")
    assert serious_violations(page) == []


def test_a_revoked_credentials_page_has_no_serious_wcag_violation(page, credential):
    credential_revoke(credential=credential, reason="Issued in error")
    page.goto(reverse("credential-page", args=[credential.pk]))
    assert serious_violations(page) == []
