"""A Google Forms source's Apps Script in a real browser: read on the page, downloaded, and filled in with a new secret."""

import os
from pathlib import Path

import pytest

from issuance.sources.configure import source_configure, source_intake_url
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("LAUREL_VAR_DIR", "var")) / "screenshots"


def test_the_script_is_shown_downloaded_and_filled_in_with_a_new_secret(superuser_page, live_server, tmp_path):
    org = OrganizationFactory(name="Harbour Academy", slug="harbour")
    source, _ = source_configure(organization_slug=org.slug, slug="safety-form", dialect="google_forms", name="Safety form",
                                 secret="whsec_bGF1cmVsLTM2MC1kZW1vLXNpZ25pbmcta2V5LTMyYiE=")
    url = source_intake_url(source)
    page = superuser_page
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("textarea.laurel-script").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "google-forms-source.png"), full_page=True)
    assert f'var LAUREL_URL = "{url}";' in page.input_value("textarea.laurel-script")
    with page.expect_download() as downloaded:
        page.click("text=Download laurel-google-forms.gs")
    assert f'var LAUREL_URL = "{url}";' in Path(downloaded.value.path()).read_text()
    with page.expect_navigation():
        page.click("button[form=source-secret-generate]")
    source.refresh_from_db()
    script = page.input_value("#apps-script")
    assert f'var LAUREL_SECRET = "{source.signing_secret}";' in script and f'var LAUREL_URL = "{url}";' in script
    page.screenshot(path=str(SHOTS / "google-forms-secret.png"), full_page=True)
    with page.expect_download() as downloaded:
        page.click("text=Download laurel-google-forms.gs")
    assert Path(downloaded.value.path()).read_text() == script
    assert blocked == []
