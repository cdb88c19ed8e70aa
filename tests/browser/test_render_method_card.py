"""The credential's SVG render template as a wallet shows it: filled in by Handlebars, drawn by Chromium."""

from PIL import Image

from tests.openbadges.conftest import academy, first_aid, issue, verifier_installed, wallet_fill  # noqa: F401 (fixtures)
from tests.pipeline.conftest import smtp  # noqa: F401 (a fixture)

HOSTILE = """<script>alert("x")</script> O'Brien & "Ann" """.strip()


def test_a_wallet_draws_the_card_in_the_organisations_design_with_a_hostile_name_as_plain_text(
        chromium, client, issue, wallet_fill, academy, shots):
    credential = issue(name=HOSTILE)
    template = client.get("/render-templates/" + credential.badge["renderMethod"][0]["id"].rsplit("/", 1)[1]).content
    card = wallet_fill(template.decode("utf-8"), credential.badge)

    context = chromium.new_context(viewport={"width": 1123, "height": 794})
    try:
        tab = context.new_page()
        dialogs = []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.set_content(f"<!doctype html><body style='margin:0'>{card}</body>")  # LCW hands the filled SVG to a web view
        texts = tab.locator("svg text").all_text_contents()
        scripts = tab.locator("script").count()
        tab.locator("svg").screenshot(path=str(shots / "credential-render-method-card.png"))
    finally:
        context.close()

    assert dialogs == [] and scripts == 0
    assert HOSTILE in texts and "First Aid at Work" in texts and "Harbour Academy" in texts
    picture = Image.open(shots / "credential-render-method-card.png").convert("RGB")
    assert picture.size == (1123, 794)
    primary = tuple(int(academy.primary_color[i:i + 2], 16) for i in (1, 3, 5))
    assert picture.getpixel((20, 400)) == primary  # the organisation's border
