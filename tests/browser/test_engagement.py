"""A visitor opens a credential's page and clicks Add to LinkedIn in a real browser; staff then see both on the dashboard."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import User

from tests.browser.conftest import STAFF_PASSWORD, VIEWPORT, sign_in
from tests.wallets.conftest import academy, base, first_aid, issue, smtp  # noqa: F401 (fixtures)

SHOTS = Path(os.environ.get("LAUREL_VAR_DIR", "var")) / "screenshots"


def test_a_visit_and_a_linkedin_click_show_on_the_dashboard(chromium, live_server, base, issue):  # noqa: F811
    credential = issue()
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT)
    redirects = []  # LinkedIn itself is not reachable from here: what matters is where Laurel sends the browser
    visitor.on("response", lambda response: redirects.append(response.headers.get("location", ""))
               if response.url.endswith("/linkedin") else None)
    tab = visitor.new_page()
    tab.goto(f"/credentials/{credential.pk}")
    assert "Valid credential" in tab.inner_text("body")
    with visitor.expect_page() as opened:
        tab.click("a.btn-linkedin")
    opened.value.wait_for_load_state("domcontentloaded")
    assert not visitor.cookies()  # the visit left no cookie behind
    visitor.close()

    (target,) = redirects
    assert urlsplit(target).path == "/profile/add"
    assert parse_qs(urlsplit(target).query)["certUrl"] == [f"{base}/credentials/{credential.pk}"]

    User.objects.create_superuser("admin@example.org", "admin@example.org", STAFF_PASSWORD)
    staff = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT).new_page()
    sign_in(staff, "admin@example.org")
    staff.goto("/admin/")
    card = staff.locator("#engagement")
    card.screenshot(path=str(SHOTS / "dashboard-engagement.png"))
    card.locator("summary").click()
    text = card.inner_text()
    rates = {row.get_attribute("data-rate-row"): row.inner_text().split("\t")[1:] for row in card.locator("tr[data-rate-row]").all()}

    assert "After sending: the 1 credential issued in the last 30 days" in text
    assert rates == {"viewed": ["1 / 1", "100 %"], "downloaded": ["0 / 1", "0 %"], "linkedin": ["1 / 1", "100 %"],
                     "wallet": ["0 / 1", "0 %"]}
    assert "In all: 1 page views, 0 PDF downloads, 1 LinkedIn clicks" in text
    assert card.locator("svg rect").count() == 8  # a track and a bar per rate
    staff.context.close()
