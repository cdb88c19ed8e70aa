"""The learner's wallet page in a real browser, at desktop and phone width (docs/wallets.md shows the screenshots)."""

import os
from pathlib import Path

from tests.wallets.conftest import (academy, base, first_aid, holder, issue, learner,  # noqa: F401 (fixtures)
                                    smtp)
from tests.wallets.lcw_client import deep_link_claim

# LAUREL_DOCS_SCREENSHOTS=1 writes the screenshots into docs/images.
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _screenshot(page, tmp_path, name: str) -> None:
    folder = DOCS_IMAGES if os.environ.get("LAUREL_DOCS_SCREENSHOTS") == "1" else tmp_path
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_it_draws_the_wallet_page_at_desktop_and_phone_width(learner, holder, page, tmp_path):
    page.goto(learner.wallet_url)
    assert page.locator("img.qr").count() == 2
    assert page.locator("text=Open in Learner Credential Wallet").is_visible()
    _screenshot(page, tmp_path, "wallet-page-desktop")

    deep_link_claim(request=learner.lcw_request(), holder=holder)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("text=Already in your wallet").is_visible()
    _screenshot(page, tmp_path, "wallet-page-claimed-phone")
