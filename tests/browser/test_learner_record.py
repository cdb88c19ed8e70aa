"""A learner downloads their learner record (CLR 2.0) from their page, in a real browser, and it verifies."""

import json
import re

import pytest

from issuance.models import Issuance
from issuance.openbadges.issuer import organization_badge_verify
from stand_ins.smtp import body
from tests.learner_page.conftest import ANN, deliver_pending
from tests.pipeline.conftest import complete, drive, org, smtp  # noqa: F401 (fixtures)
from tests.programmes.conftest import courses, make_programme  # noqa: F401 (fixtures)


@pytest.fixture
def base(live_server, settings):
    settings.LAUREL_BASE_URL = url = live_server.url
    return url


def test_a_learner_downloads_the_record_of_their_programme(base, org, courses, make_programme, smtp, page, tmp_path):  # noqa: F811
    programme = make_programme(ordered=True)
    held = [drive(complete(courses[code], email=ANN)).credential for code in ("FA-101", "FS-101", "MH-101")]
    [issuance] = Issuance.objects.filter(course=programme.course)
    held.append(drive(issuance).credential)

    page.goto("/me")
    page.fill("input[name=email]", ANN)
    page.click("#ask")
    deliver_pending()
    (message,) = [m for m in smtp.to(ANN) if "sign-in link" in m["Subject"]]
    page.goto(re.search(r'href="([^"]+/me/sign-in/[^"]+)"', body(message, "html"))[1])
    page.click("#sign-in")
    page.wait_for_load_state()
    card = page.locator(".programme", has_text="Workplace Safety Officer")
    page.screenshot(path=str(tmp_path / "learner-record.png"), full_page=True)

    with page.expect_download() as download:
        card.get_by_role("link", name="Learner record (CLR)").click()
    record = json.loads(open(download.value.path(), encoding="utf-8").read())

    assert download.value.suggested_filename == "learner-record-WSO.json"
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert {c["id"] for c in record["credentialSubject"]["verifiableCredential"]} == {c.badge["id"] for c in held}
    assert organization_badge_verify(organization=org, badge=record)
    assert page.locator(".org-head").get_by_role("link", name="Learner record (CLR)").is_visible()
