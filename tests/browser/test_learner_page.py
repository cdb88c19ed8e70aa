"""The learner's page in a real browser: ask for a link, open it from the email, see every credential, hide one.

LAUREL_DOCS_SCREENSHOTS=1 writes the screenshots into docs/images (docs/learners.md shows them)."""

import os
import re
from pathlib import Path

import pytest

from issuance.models import Credential
from stand_ins.smtp import body
from tests.learner_page.conftest import ANN, deliver_pending, world  # noqa: F401 (a fixture)
from tests.pipeline.conftest import course, org, smtp  # noqa: F401 (fixtures)

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _screenshot(page, tmp_path, name: str) -> Path:
    folder = DOCS_IMAGES if os.environ.get("LAUREL_DOCS_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def base(live_server, settings):
    settings.LAUREL_BASE_URL = url = live_server.url
    return url


def test_a_learner_signs_in_from_the_emailed_link_and_sees_all_their_credentials(base, world, smtp, page, tmp_path):  # noqa: F811
    page.goto("/me")
    page.fill("input[name=email]", ANN)
    page.click("#ask")
    assert page.locator("#door-title").inner_text() == "Check your email"
    _screenshot(page, tmp_path, "learner-page-asked")
    deliver_pending()  # the worker's part

    (message,) = [m for m in smtp.to(ANN) if "sign-in link" in m["Subject"]]
    link = re.search(r'href="([^"]+/me/sign-in/[^"]+)"', body(message, "html"))[1]
    assert link.startswith(base)
    page.goto(link)
    page.click("#sign-in")
    page.wait_for_load_state()
    assert page.url.endswith("/me")
    groups = page.locator("section.org-group h2").all_inner_texts()
    assert groups == ["Harbour Academy", "Northwind Training"]
    assert page.locator("article.cred").count() == 2
    assert page.locator("article.cred h3").all_inner_texts() == ["First Aid", "Forklift Safety"]
    assert page.locator("text=Bob Stone").count() == 0
    _screenshot(page, tmp_path, "learner-page")

    first = page.locator(f"article[data-credential='{world.ann_first_aid.pk}']")
    first.locator("text=Hide its details from its public page").click()
    page.wait_for_load_state()
    assert "details withheld by you" in page.locator("#notice").inner_text()
    assert Credential.objects.get(pk=world.ann_first_aid.pk).holder_hidden_at is not None
    assert first.locator("text=Details hidden from its public page").is_visible()

    first.get_by_role("link", name="Public page", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Valid, details withheld by the holder"
    assert page.locator("text=Ann Lee").count() == 0
    _screenshot(page, tmp_path, "learner-page-withheld")

    page.go_back()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _screenshot(page, tmp_path, "learner-page-phone")



def test_a_declined_name_report_shows_on_the_card_with_its_reason(base, world, smtp, page, tmp_path, admin_user):  # noqa: F811
    from issuance.learner_page.actions import name_correction_report
    from issuance.learner_page.name_corrections import name_correction_decline

    report = name_correction_report(credential=world.ann_first_aid, requested_name="Anne Leigh", note="")
    name_correction_decline(report=report, actor_user=admin_user, reason="Your enrolment form <b>says</b> Ann Lee.")
    page.goto("/me")
    page.fill("input[name=email]", ANN)
    page.click("#ask")
    deliver_pending()
    (message,) = [m for m in smtp.to(ANN) if "sign-in link" in m["Subject"]]
    page.goto(re.search(r'href="([^"]+/me/sign-in/[^"]+)"', body(message, "html"))[1])
    page.click("#sign-in")
    page.wait_for_load_state()

    declined = page.locator(f"article[data-credential='{world.ann_first_aid.pk}'] [data-testid=name-declined]")
    assert declined.is_visible()
    text = declined.inner_text()
    assert "Your request to change the name to “Anne Leigh” was declined on" in text
    assert "The reason given: Your enrolment form <b>says</b> Ann Lee." in text  # the reason as written, not markup
    assert page.locator(f"article[data-credential='{world.ann_forklift.pk}'] [data-testid=name-declined]").count() == 0
    _screenshot(page, tmp_path, "learner-page-name-declined")
