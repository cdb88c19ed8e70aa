"""The designer's format: a design becomes the sandboxed template and reads back as the same design; a template
edited by hand reads back as a note, never a broken design; and what it makes renders where it was placed,
layered like any template."""

import io
import json

import pypdfium2
import pytest
from PIL import Image

from courses.templating.certificate_design import (
    DESIGN_VERSION, DesignRefused, design_clean, design_read, design_starter, design_template,
)
from courses.templating.certificate_fields import FIELD_SPEC
from courses.templating.sandbox import template_validate
from issuance.certificates import layered
from issuance.certificates.layering import template_layering
from issuance.certificates.render import (
    certificate_render_context, certificate_render_document, certificate_render_html, certificate_render_pdf,
)
from issuance.certificates.samples import METADATA, SAMPLE_NAMES, default_template, sample_context

from .conftest import pdf_font_names, pdf_text, pdf_words

EVERY_KIND = {"blocks": [
    {"kind": "text", "text": "Awarded with {{ learner_name }} {% now 'Y' %} #} <b>&amp;</b>\nsecond line", "x": 40, "y": 30,
     "w": 400, "h": 60, "font": "Laurel Serif", "size": 16, "color": "#1F3A5F", "weight": "bold", "align": "center"},
    {"kind": "field", "field": "learner_name", "x": 120, "y": 200, "w": 600, "h": 50, "font": "Laurel Display", "size": 30},
    {"kind": "field", "field": "score_percent", "x": 120, "y": 300, "w": 200, "h": 20, "align": "right"},
    {"kind": "image", "asset": "organization_logo", "x": 40, "y": 480, "w": 90, "h": 45},
    {"kind": "image", "asset": "seal", "x": 600, "y": 450, "w": 80, "h": 80},
    {"kind": "qr", "x": 720, "y": 470, "w": 80, "h": 80},
    {"kind": "line", "x": 120, "y": 255, "w": 600, "h": 1.5, "color": "#b8893b"},
    {"kind": "box", "x": 15, "y": 15, "w": 812, "h": 565, "color": "#b8893b", "stroke": 3, "fill": ""},
    {"kind": "box", "x": 300, "y": 400, "w": 100, "h": 30, "color": "#000000", "stroke": 0, "fill": "#eeeeee"},
]}
def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#b8893b").save(buffer, format="PNG")
    return buffer.getvalue()


SEAL_PNG = _png()


def _render(html: str, css: str, name: str = "Zoë Ångström-Øberg") -> bytes:
    context = certificate_render_context(sample_context(name), page_size="a4", orientation="landscape", template_css=css)
    return certificate_render_pdf(template_html=html, template_css=css, page_size="a4", orientation="landscape",
                                  context=context, assets={"seal": SEAL_PNG}, metadata=METADATA)


def test_it_reads_back_the_design_it_made_for_every_kind_of_block():
    html, css = design_template(EVERY_KIND)
    read = design_read(html=html, css=css)
    assert read.note == "" and read.design == design_clean(EVERY_KIND)
    assert read.design["version"] == DESIGN_VERSION and len(read.design["blocks"]) == 9
    assert read.design["blocks"][0]["color"] == "#1f3a5f"  # one canonical spelling, so it compares equal
    assert design_template(read.design) == (html, css)  # and again: design -> template -> design -> template


def test_it_reads_back_a_design_whose_code_the_browser_sent_with_windows_line_ends():
    html, css = design_template(design_starter("letter", "portrait"))
    assert design_read(html=html.replace("\n", "\r\n") + "  \r\n", css=css.replace("\n", "\r\n")).design is not None


def test_the_template_it_makes_passes_the_sandbox_and_keeps_staff_text_as_text():
    html, css = design_template(EVERY_KIND)
    assert template_validate(html, fields=FIELD_SPEC) == [] and template_validate(css, fields=FIELD_SPEC) == []
    text = pdf_text(_render(html, css))
    assert "Awarded with {{ learner_name }} {% now 'Y' %} #} <b>&amp;</b>" in " ".join(text.split())  # not run, not markup
    assert "laurel-design" not in text  # the design rides in a template comment, never in the PDF


@pytest.mark.parametrize("edit", [
    lambda html, css: (html, css.replace("left: 120pt", "left: 121pt", 1)),  # a block moved in the CSS
    lambda html, css: (html + '<p class="extra">By hand</p>\n', css),  # something the designer has no block for
    lambda html, css: (html.replace("{{ learner_name }}", "{{ learner_name|upper }}"), css),
])
def test_a_designed_template_edited_by_hand_reads_as_a_note_not_a_design(edit):
    html, css = edit(*design_template(EVERY_KIND))
    read = design_read(html=html, css=css)
    assert read.design is None and "edited by hand" in read.note


def test_a_hand_written_template_or_a_damaged_marker_reads_as_a_note():
    shipped = default_template("Classic (A4 landscape)")
    assert "written in HTML and CSS" in design_read(html=shipped["template_html"], css=shipped["template_css"]).note
    html, css = design_template(EVERY_KIND)
    damaged = html.replace('"kind":"qr"', '"kind":"hologram"')
    assert "damaged" in design_read(html=damaged, css=css).note
    assert "damaged" in design_read(html="{# laurel-design {not json} #}\n<p>x</p>", css="").note


def test_it_refuses_a_design_naming_each_block_and_problem():
    design = {"blocks": [
        {"kind": "field", "field": "learner_password", "x": 0, "y": 0, "w": 10, "h": 10},
        {"kind": "text", "text": "x", "x": -5, "y": "top", "w": 10, "h": 10, "color": "red", "font": "Comic Sans"},
        {"kind": "image", "asset": "../../etc/passwd", "x": 0, "y": 0, "w": 10, "h": 10},
        {"kind": "sparkles"},
    ]}
    with pytest.raises(DesignRefused) as refused:
        design_template(design)
    problems = " | ".join(refused.value.problems)
    for expected in ("Block 1 field: 'learner_password'", "Block 2 x: -5 is outside", "Block 2 y: a number is needed",
                     "Block 2 colour: colours are written #rrggbb", "Block 2 font: 'Comic Sans'",
                     "Block 3: choose an uploaded image", "Block 4: 'sparkles' is not one of"):
        assert expected in problems
    with pytest.raises(DesignRefused, match="at most 100 blocks"):
        design_template({"blocks": [{"kind": "qr"}] * 101})
    with pytest.raises(DesignRefused, match="list of blocks"):
        design_template(json.loads('["not", "a", "design"]'))


def test_each_block_prints_at_its_place_on_the_page():
    html, css = design_template(EVERY_KIND)
    words = pdf_words(_render(html, css))
    name = [(x, baseline) for letters, x, baseline in words if letters == tuple("Zoë")]
    assert len(name) == 1
    x, baseline = name[0]
    assert x == pytest.approx(120, abs=0.5) and 200 < baseline < 250  # left-aligned at its block's left, on a line inside it
    score = [(x, baseline) for letters, x, baseline in words if letters == tuple("92%")]
    assert score and 260 < score[0][0] < 320 and 300 < score[0][1] < 320  # right-aligned: ends at the block's right (320 pt)


def test_designer_output_is_layered_and_the_layered_pdf_prints_the_same_words_in_the_same_places():
    """ADR 0012: absolutely placed blocks split into the static layer and the learner's text like flowing ones."""
    html, css = design_template(design_starter("A4", "landscape"))
    assert template_layering(template_html=html, template_css=css, page_size="A4", orientation="landscape").layered
    for name in ("Zoë Ångström-Øberg", "محمد بن عبد الله", SAMPLE_NAMES["long"]):
        context = certificate_render_context(sample_context(name), page_size="a4", orientation="landscape", template_css=css)
        result = layered.layered_render_pdf(  # raises NotLayered rather than falling back to a full render
            template_key=("design-test", 1, 1), template_html=html, template_css=css, context=context, assets={},
            metadata=METADATA, cache=layered.LayerCache(8 * 1024 * 1024),
            document_for=lambda values: certificate_render_html(template_html=html, template_css=css, context=values, assets={}),
            engine=lambda document, allowed: certificate_render_document(document, assets={}, allowed_data=allowed, metadata={}),
        )
        as_placed = lambda pdf: sorted((round(y, 1), round(x, 1), letters) for letters, x, y in pdf_words(pdf))  # noqa: E731
        assert as_placed(result.pdf) == as_placed(_render(html, css, name=name)), name
        document = pypdfium2.PdfDocument(result.pdf)
        try:
            assert len(document) == 1
        finally:
            document.close()


def test_a_fitted_name_keeps_to_one_line_of_its_block_and_prints_at_the_blocks_size_when_it_fits():
    design = {"blocks": [{"kind": "field", "field": "learner_name", "fit": True, "x": 100, "y": 100, "w": 300, "h": 40,
                          "font": "Laurel Sans", "size": 30}]}
    html, css = design_template(design)
    assert design_read(html=html, css=css).design["blocks"][0]["fit"] is True
    for name, size in (("Ana Lima", 30), (SAMPLE_NAMES["vietnamese"] + " " + SAMPLE_NAMES["latin"], None)):
        context = certificate_render_context(sample_context(name), page_size="a4", orientation="landscape", template_css=css)
        fitted = context["learner_name_font_size"]
        assert fitted == size if size else 8 < fitted < 30
        words = pdf_words(_render(html, css, name=name))
        assert len({round(baseline) for _, _, baseline in words}) == 1  # one line
        assert min(x for _, x, _ in words) >= 100 and all(x < 400 for _, x, _ in words)


def test_italic_is_kept_only_when_chosen_and_prints_in_each_familys_italic_face():
    text = {"kind": "text", "x": 60, "y": 60, "w": 400, "h": 30, "size": 18}
    design = {"blocks": [dict(text, text="Sans slanted", font="Laurel Sans", style="italic"),
                         dict(text, text="Serif slanted", font="Laurel Serif", style="italic", y=120),
                         dict(text, text="Upright", font="Laurel Sans", style="normal", y=180)]}
    html, css = design_template(design)
    assert css.count("font-style: italic;") == 2
    blocks = design_read(html=html, css=css).design["blocks"]
    assert [block.get("style") for block in blocks] == ["italic", "italic", None]  # "normal" is not written at all
    fonts = pdf_font_names(_render(html, css))
    assert {"NotoSans-Italic", "NotoSerif-Italic", "NotoSans-Regular"} <= fonts  # the bundled files, embedded
    with pytest.raises(DesignRefused, match="Block 1 style: 'oblique'"):
        design_template({"blocks": [dict(text, text="x", style="oblique")]})


def test_a_design_saved_before_italic_existed_reads_back_unchanged():
    starter = design_starter("A4", "landscape")
    html, css = design_template(starter)
    assert '"style"' not in html and "font-style" not in css  # what the designer wrote before: still its own output
    assert design_read(html=html, css=css).design == starter
