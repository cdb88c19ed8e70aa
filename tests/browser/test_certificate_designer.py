"""The certificate designer in a real browser at 1280 px: a hand-written template opens in the code view with a
note, a new design is started, a merge field placed and dragged, a block nudged with the keyboard, the design
saved, and the saved certificate's PDF read back: the field's text is where the block was put."""

import io
import re

import pytest
from PIL import Image

from courses.models import CertificateTemplate
from courses.templating.certificate_design import design_read
from issuance.certificates.preview import template_preview
from tests.browser.conftest import wait_until
from tests.certificates.conftest import pdf_font_names, pdf_words
from tests.factories.issuance import organization_with_templates

_PLACE = re.compile(r"left ([\d.]+) pt, top ([\d.]+) pt")
_SIZE = re.compile(r"[\d.]+ by [\d.]+ pt")


@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    return CertificateTemplate.objects.filter(organization=organization).order_by("pk").first()


def place_of(block) -> tuple[float, float]:
    """A block's left and top in points, as its accessible name says them."""
    left, top = _PLACE.search(block.get_attribute("aria-label")).groups()
    return float(left), float(top)


def written(page, after: int) -> int:
    """Waits until the designer has put its design in the code view more than `after` times."""
    holder = page.locator("#laurel-designer")
    wait_until(page, lambda: int(holder.get_attribute("data-written") or 0) > after, "the design written to the code view")
    return int(holder.get_attribute("data-written"))


def test_a_merge_field_placed_dragged_and_nudged_prints_where_it_was_put(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    note = page.get_by_test_id("design-note")
    assert "written in HTML and CSS" in note.inner_text()  # the shipped template is hand-written: code view, with a note
    assert page.get_by_role("tab", name="Code (HTML and CSS)").get_attribute("aria-selected") == "true"
    assert page.locator("[data-laurel-editor-for=html]").is_visible()

    page.get_by_role("tab", name="Design").click()
    page.get_by_role("button", name="Start a new design").click()
    surface = page.get_by_test_id("design-page")
    assert surface.locator(".laurel-design-block").count() == 7  # the starter: title, name, line, course, date, id, QR
    count = written(page, 0)
    assert page.locator("textarea[name=html]").input_value().startswith("{# laurel-design ")

    page.get_by_label("Merge field to add").select_option("organization_name")
    page.get_by_role("button", name="Add merge field").click()
    block = surface.get_by_role("button", name=re.compile("^Merge field Organisation name"))
    assert block.inner_text() == "Harbour Academy"  # a field shows its sample value on the canvas, not {{ organization_name }}
    learner = surface.get_by_role("button", name=re.compile("^Merge field Learner's name"))
    assert learner.inner_text() == "Zoë Ångström-Øberg"
    count = written(page, count)
    before = place_of(block)
    box = block.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Alt")  # placed freely, where the pointer takes it (no snapping)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + box["width"] / 2 + 18 * step, box["y"] + box["height"] / 2 + 25 * step)
    page.mouse.up()
    page.keyboard.up("Alt")
    count = written(page, count)
    dragged = place_of(block)
    scale = surface.bounding_box()["width"] / 842  # A4 landscape is 842 pt wide
    assert dragged[0] == pytest.approx(before[0] + 180 / scale, abs=3)
    assert dragged[1] == pytest.approx(before[1] + 250 / scale, abs=3)

    assert page.evaluate("document.activeElement.getAttribute('aria-roledescription')") == "block"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    count = written(page, count)
    nudged = place_of(block)
    assert nudged == pytest.approx((dragged[0] + 1, dragged[1] + 10), abs=0.01)
    surface.get_by_role("button", name=re.compile("^Text “Certificate of Completion”")).focus()
    page.keyboard.press("Tab")  # Tab goes from block to block, and the focused block is the one the panel edits
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("Merge field Learner's name")
    assert page.get_by_test_id("design-properties").locator(".laurel-design-selected").inner_text() == focused

    # The live preview sits beside the page, with the sample names.
    preview = page.locator("#preview")
    assert preview.bounding_box()["x"] > surface.bounding_box()["x"] + surface.bounding_box()["width"]
    assert preview.get_by_role("button", name="arabic").is_visible()
    wait_until(page, lambda: int(preview.get_attribute("data-rendered") or 0) > 0, "the live preview of the design")
    page.wait_for_timeout(1000)  # the last change's render, for the picture
    wait_until(page, lambda: "Unsaved version" in page.get_by_test_id("preview-status").inner_text(), "the last render shown")
    page.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(shots / "certificate-designer.png"), full_page=False)

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    template.refresh_from_db()
    design = design_read(html=template.html, css=template.css).design
    placed = [b for b in design["blocks"] if b.get("field") == "organization_name"]
    assert [(b["x"], b["y"]) for b in placed] == [nudged]
    assert page.get_by_role("tab", name="Design").get_attribute("aria-selected") == "true"  # a designed template opens in the designer
    assert page.get_by_test_id("design-note").is_hidden()

    preview = template_preview(template=template, sample="latin")
    (shots / "certificate-designer-pdf.png").write_bytes(preview.png(width=1100))
    preview_pdf = preview.pdf
    words = {letters: (x, baseline) for letters, x, baseline in pdf_words(preview_pdf)}
    x, baseline = words[tuple("Harbour")]
    assert x == pytest.approx(nudged[0], abs=1.5)  # left-aligned text starts at the block's left edge
    assert nudged[1] < baseline < nudged[1] + placed[0]["h"]  # and sits on a line inside the block


def test_a_designed_template_edited_by_hand_opens_in_the_code_view_with_a_note(superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    page.get_by_role("tab", name="Design").click()
    page.get_by_role("button", name="Start a new design").click()
    count = written(page, 0)
    page.get_by_role("button", name="Add QR code").click()
    page.get_by_role("button", name="Centre across the page").click()
    written(page, count)
    qr_codes = page.get_by_test_id("design-page").get_by_role("button", name=re.compile("^QR code"))
    assert [place_of(qr_codes.nth(i))[0] for i in range(qr_codes.count())] == [722, (842 - 80) / 2]
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    template.refresh_from_db()
    assert design_read(html=template.html, css=template.css).design is not None

    page.get_by_role("tab", name="Code (HTML and CSS)").click()
    editor = page.locator("[data-laurel-editor-for=html]")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type('\n<p class="by-hand">Added by hand</p>')
    page.get_by_role("tab", name="Design").click()
    note = page.get_by_test_id("design-note")
    note.wait_for()
    assert "edited by hand" in note.inner_text()
    assert page.get_by_test_id("design-page").is_hidden()
    assert page.locator("textarea[name=html]").input_value().endswith("Added by hand</p>")  # nothing was lost


def test_a_new_template_is_designed_from_the_start_and_saved(shots, superuser_page, template):
    page = superuser_page
    page.goto("/admin/courses/certificatetemplate/add/")
    assert page.get_by_role("tab", name="Design").get_attribute("aria-selected") == "true"  # no code to write first
    surface = page.get_by_test_id("design-page")
    assert surface.locator(".laurel-design-block").count() == 7  # the starter design
    count = written(page, 0)
    assert page.locator("textarea[name=html]").input_value().startswith("{# laurel-design ")
    assert page.get_by_label("Image to add").locator("option").all_inner_texts() == ["Organisation logo"]

    page.locator("input[name=name]").fill("Designed from the start")
    page.get_by_label("Merge field to add").select_option("organization_name")
    page.get_by_role("button", name="Add merge field").click()
    count = written(page, count)
    properties = page.get_by_test_id("design-properties")
    properties.get_by_label("Left (pt)").fill("120")
    properties.get_by_label("Top (pt)").fill("400")
    written(page, count)
    page.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(shots / "certificate-designer-add.png"), full_page=False)

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    made = CertificateTemplate.objects.get(name="Designed from the start")
    assert page.url.endswith(f"/certificatetemplate/{made.pk}/change/")
    design = design_read(html=made.html, css=made.css).design
    assert [(b["x"], b["y"]) for b in design["blocks"] if b.get("field") == "organization_name"] == [(120, 400)]
    assert page.get_by_role("tab", name="Design").get_attribute("aria-selected") == "true"
    assert page.get_by_test_id("design-page").locator(".laurel-design-block").count() == 8

    words = {letters: (x, baseline) for letters, x, baseline in pdf_words(template_preview(template=made, sample="latin").pdf)}
    x, baseline = words[tuple("Harbour")]
    assert x == pytest.approx(120, abs=1.5) and 400 < baseline < 428


def _field(surface, label: str):
    return surface.get_by_role("button", name=re.compile(f"^Merge field {label}"))


def test_moves_resizes_edits_adds_and_deletes_are_undone_and_redone(superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    page.get_by_role("tab", name="Design").click()
    page.get_by_role("button", name="Start a new design").click()
    surface = page.get_by_test_id("design-page")
    undo, redo = page.get_by_role("button", name=re.compile("^Undo")), page.get_by_role("button", name=re.compile("^Redo"))
    assert undo.is_disabled() and redo.is_disabled()

    page.get_by_label("Merge field to add").select_option("organization_name")
    page.get_by_role("button", name="Add merge field").click()  # 1: add
    block = _field(surface, "Organisation name")
    added = place_of(block)
    box = block.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.keyboard.down("Alt")  # no snapping
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(box["x"] + 20 + 20 * step, box["y"] + box["height"] / 2 + 20 * step)
    page.mouse.up()  # 2: a move by dragging
    page.keyboard.up("Alt")
    dragged = place_of(block)
    assert dragged != added
    page.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")  # clear of the sticky row of buttons
    box = block.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 30, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()  # 3: a resize
    resized = _SIZE.search(block.get_attribute("aria-label")).group()
    assert resized != "300 by 28 pt"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 4: two nudges, one step
    nudged = place_of(block)
    assert nudged == (dragged[0] + 2, dragged[1])
    size = page.get_by_test_id("design-properties").get_by_label("Size (pt)")
    size.fill("24")  # 5: a property
    size.press("Tab")
    assert block.evaluate("b => b.style.fontSize") != ""
    title = surface.get_by_role("button", name=re.compile("^Text “Certificate of Completion”"))
    title.focus()
    page.keyboard.press("Delete")  # 6: a delete
    assert surface.locator(".laurel-design-block").count() == 7
    assert undo.get_attribute("aria-label") == "Undo delete"

    page.get_by_test_id("design-page").focus()
    page.keyboard.press("Control+z")  # the delete
    assert surface.locator(".laurel-design-block").count() == 8 and title.count() == 1
    page.keyboard.press("Control+z")  # the size
    block.focus()
    assert page.get_by_test_id("design-properties").get_by_label("Size (pt)").input_value() == "18"
    page.keyboard.press("Control+z")  # both nudges
    assert place_of(block) == dragged
    page.keyboard.press("Control+z")  # the resize
    assert _SIZE.search(block.get_attribute("aria-label")).group() == "300 by 28 pt"
    page.keyboard.press("Control+z")  # the drag
    assert place_of(block) == added
    undo.click()  # the add
    assert block.count() == 0 and surface.locator(".laurel-design-block").count() == 7
    assert undo.is_disabled()

    page.keyboard.press("Control+Shift+z")  # focus is on the Undo button, which is disabled now: the page still hears it
    assert place_of(block) == added
    for _ in range(3):
        redo.click()
    assert place_of(block) == nudged and _SIZE.search(block.get_attribute("aria-label")).group() == resized
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+Shift+Z")
    assert redo.is_disabled() and surface.locator(".laurel-design-block").count() == 7

    with page.expect_navigation():  # the last redo is sent first, then the form (certificate-designer.js)
        page.get_by_role("button", name="Save and continue editing").click()
    template.refresh_from_db()
    design = design_read(html=template.html, css=template.css).design
    placed = [b for b in design["blocks"] if b.get("field") == "organization_name"]
    assert [(b["x"], b["y"], b["size"]) for b in placed] == [(*nudged, 24)]
    assert not [b for b in design["blocks"] if b.get("text") == "Certificate of Completion"]
    words = {letters: (x, baseline) for letters, x, baseline in pdf_words(template_preview(template=template, sample="latin").pdf)}
    assert words[tuple("Harbour")][0] == pytest.approx(nudged[0], abs=1.5)
    assert tuple("Certificate") not in words


def _dark_and_green(png: bytes, box: tuple[int, int, int, int]) -> tuple[int, int]:
    """How many near-black and how many green pixels the PNG (1 px per pt) has inside box (left, top, right, bottom)."""
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").crop(box).get_flattened_data())
    return sum(1 for r, g, b in pixels if r + g + b < 200), sum(1 for r, g, b in pixels if g > 200 and r < 80 and b < 80)


def test_a_dragged_block_snaps_to_the_centre_with_a_guide_and_its_stacking_is_saved(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    page.get_by_role("tab", name="Design").click()
    page.get_by_role("button", name="Start a new design").click()
    surface, properties = page.get_by_test_id("design-page"), page.get_by_test_id("design-properties")
    page.get_by_role("button", name="Add text").click()
    properties.get_by_label("Text", exact=True).fill("Under the box")
    for label, value in (("Left (pt)", "200"), ("Top (pt)", "160"), ("Size (pt)", "24")):
        properties.get_by_label(label).fill(value)
    text = surface.get_by_role("button", name=re.compile("^Text “Under the box”"))
    assert place_of(text) == (200, 160)

    scale = surface.bounding_box()["width"] / 842
    page.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")
    box = text.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):  # to 303 pt from the left: its centre within reach of the page's
        page.mouse.move(box["x"] + 30 + (303 - 200) * scale * step / 10, box["y"] + box["height"] / 2)
    guides = surface.locator(".laurel-design-guide[data-axis=x]")
    page.screenshot(path=str(shots / "certificate-designer-snap.png"), full_page=False)
    assert guides.count() == 1 and guides.get_attribute("title") == "the page's centre", page.get_by_test_id("design-status").inner_text()
    assert guides.bounding_box()["x"] == pytest.approx(surface.bounding_box()["x"] + 421 * scale, abs=1.5)
    page.mouse.up()
    assert surface.locator(".laurel-design-guide").count() == 0
    assert place_of(text)[0] == 301  # (842 - 240) / 2
    assert "lined up with the page's centre" in page.get_by_test_id("design-status").inner_text()

    page.get_by_role("button", name="Add box").click()
    for label, value in (("Left (pt)", "290"), ("Top (pt)", "145"), ("Width (pt)", "270"), ("Height (pt)", "60")):
        properties.get_by_label(label).fill(value)
    properties.locator("[data-prop=fill]").fill("#00ff00")
    blocks = surface.locator(".laurel-design-block")
    assert blocks.last.get_attribute("data-kind") == "box"  # added last: drawn over the text
    forward, backward = properties.get_by_role("button", name="Bring forward"), properties.get_by_role("button", name="Send backward")
    assert forward.is_disabled()
    backward.click()
    assert blocks.last.get_attribute("aria-label").startswith("Text “Under the box”")
    assert "8th of 9 from the back" in page.get_by_test_id("design-status").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Send backward"  # the keyboard stays on the button
    forward.click()
    backward.click()
    assert not forward.is_disabled()

    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    template.refresh_from_db()
    design = design_read(html=template.html, css=template.css).design
    assert [b["kind"] for b in design["blocks"]][-2:] == ["box", "text"]
    assert page.get_by_test_id("design-page").locator(".laurel-design-block").last.get_attribute("data-kind") == "text"
    png = template_preview(template=template, sample="latin").png(width=842)
    dark, green = _dark_and_green(png, (301, 160, 541, 190))
    assert dark > 100 and green > 1000  # the text is drawn over the green box


def test_italic_and_the_brand_colour_swatches_are_saved_and_printed(shots, superuser_page, template):
    organization = template.organization
    organization.primary_color, organization.accent_color = "#0B6E4F", "#C2185B"
    organization.save()
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    page.get_by_role("tab", name="Design").click()
    page.get_by_role("button", name="Start a new design").click()
    properties = page.get_by_test_id("design-properties")
    page.get_by_role("button", name="Add text").click()
    properties.get_by_label("Text", exact=True).fill("Slanted in green")
    for label, value in (("Left (pt)", "60"), ("Top (pt)", "150"), ("Width (pt)", "400"), ("Size (pt)", "28")):
        properties.get_by_label(label).fill(value)
    properties.get_by_label("Style").select_option("italic")
    swatches = properties.get_by_role("group", name="Colours to choose from").get_by_role("button")
    # The organisation's brand colours first, then the others the design already uses.
    assert swatches.evaluate_all("all => all.map(b => b.getAttribute('aria-label'))")[:4] == [
        "Primary colour #0b6e4f", "Accent colour #c2185b", "Used in the design #222222", "Used in the design #1f3a5f"]
    swatches.nth(1).click()
    assert properties.get_by_label("Colour", exact=True).input_value() == "#c2185b"
    primary = properties.get_by_role("button", name="Primary colour #0b6e4f")
    primary.focus()
    page.keyboard.press("Enter")  # the keyboard picks a swatch too, and stays on it
    assert properties.get_by_label("Colour", exact=True).input_value() == "#0b6e4f"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Primary colour #0b6e4f"
    assert primary.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Control+z")
    assert properties.get_by_label("Colour", exact=True).input_value() == "#c2185b"
    page.keyboard.press("Control+Shift+z")
    block = page.get_by_test_id("design-page").get_by_role("button", name=re.compile("^Text “Slanted in green”"))
    assert block.evaluate("b => [getComputedStyle(b).fontStyle, getComputedStyle(b).color]") == ["italic", "rgb(11, 110, 79)"]
    page.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")
    block.focus()
    properties.evaluate("panel => panel.scrollIntoView({block: 'start'})")  # clear of the sticky row of buttons
    properties.screenshot(path=str(shots / "certificate-designer-swatches.png"))

    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    template.refresh_from_db()
    saved = [b for b in design_read(html=template.html, css=template.css).design["blocks"] if b.get("text") == "Slanted in green"]
    assert [(b["style"], b["color"]) for b in saved] == [("italic", "#0b6e4f")]
    assert page.get_by_test_id("design-page").get_by_role("button", name=re.compile("^Text “Slanted in green”")).evaluate(
        "b => getComputedStyle(b).fontStyle") == "italic"  # read back when the template is reopened
    preview = template_preview(template=template, sample="latin")
    assert "NotoSans-Italic" in pdf_font_names(preview.pdf)
    pixels = Image.open(io.BytesIO(preview.png(width=842))).convert("RGB").crop((60, 150, 460, 190)).get_flattened_data()
    assert sum(1 for r, g, b in pixels if abs(r - 11) < 40 and abs(g - 110) < 40 and abs(b - 79) < 40) > 100
