"""The source page's "Generate a new secret" button in a real browser, under the strict CSP."""

import os
from pathlib import Path

import pytest

from issuance.models import Source
from issuance.sources.configure import source_configure
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("LAUREL_VAR_DIR", "var")) / "screenshots"


def test_the_button_posts_shows_the_secret_once_and_copy_works_without_inline_script(superuser_page, live_server):
    org = OrganizationFactory(name="Harbour Academy", slug="harbour")
    source, _ = source_configure(organization_slug=org.slug, slug="harbour-moodle", dialect="moodle", name="Harbour Moodle",
                                 secret="plugin-token", settings={"moodle_url": "https://lms.harbour.example", "ws_token": "ws-1"})
    page = superuser_page
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "source-change.png"), full_page=True)
    with page.expect_navigation():
        page.click("button[form=source-secret-generate]")
    source.refresh_from_db()
    assert page.input_value("#new-secret") == source.signing_secret and source.signing_secret_next == "plugin-token"
    assert page.is_visible("#new-secret-copy")  # the static script ran: CSP let it
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#new-secret-copy")
    page.wait_for_function("document.getElementById('new-secret-copy').textContent === 'Copied'")
    page.screenshot(path=str(SHOTS / "source-secret-generated.png"), full_page=True)
    assert blocked == []
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    assert source.signing_secret not in page.content()
    assert Source.objects.get().signing_secret == source.signing_secret
