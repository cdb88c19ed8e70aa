"""The layered certificate (the design drawn once, each credential's text placed on it) against the full render.

Read back with pypdfium2: the same words, in the same scripts, at the same positions (right-to-left
names included), and the PDF/A-3b file that carries the credential passes the same checks.
"""

import io
import unicodedata
from datetime import UTC, datetime

import pikepdf
import pikepdf.pdfa
import pytest

from courses.defaults import DEFAULT_CERTIFICATES
from issuance.certificates import layered, layering
from issuance.certificates.pdfa import certificate_credential_read
from issuance.certificates.render import (
    certificate_render_context,
    certificate_render_document,
    certificate_render_html,
    certificate_render_pdf,
)
from issuance.certificates.samples import METADATA, SAMPLE_CREDENTIAL, SAMPLE_NAMES, default_template, sample_context

from .conftest import pdf_text, pdf_words

CORPUS = ["latin", "vietnamese", "greek", "cyrillic", "arabic", "hebrew", "chinese", "japanese", "korean"]
TEMPLATES = list(DEFAULT_CERTIFICATES)
CREATED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_cache():
    layered.layer_cache().clear()
    yield
    layered.layer_cache().clear()


def _render(template: dict, context: dict, *, cache=None, key=("test", 1, 1), created=CREATED,
            credential=None) -> layered.LayeredResult:
    """The layered render through the same document builder and engine as certificate_render_pdf."""
    full = certificate_render_context(context, page_size=template["page_size"], orientation=template["orientation"],
                                      template_css=template["template_css"])
    return layered.layered_render_pdf(
        template_key=key, template_html=template["template_html"], template_css=template["template_css"],
        context=full, assets={}, metadata=METADATA, created=created, cache=cache, credential=credential,
        document_for=lambda values: certificate_render_html(
            template_html=template["template_html"], template_css=template["template_css"], context=values, assets={}),
        engine=lambda document, allowed: certificate_render_document(document, assets={}, allowed_data=allowed, metadata={}),
    )


def _full(template: dict, context: dict) -> bytes:
    return certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA)


def _placed(pdf: bytes) -> list:
    """Every word as drawn, with its left x and baseline to a hundredth of a point, in page order."""
    return sorted((y_round, x_round, glyphs) for glyphs, x, y in pdf_words(pdf)
                  for x_round, y_round in [(round(x, 2), round(y, 2))])


def _words(pdf: bytes) -> list[str]:
    """pdfium's text, word by word (the learner layer is drawn after the design, so pdfium's
    reading order can join lines differently; where each word is drawn is `_placed`)."""
    return sorted(pdf_text(pdf).split())


@pytest.mark.parametrize("template_name", TEMPLATES)
@pytest.mark.parametrize("key", CORPUS)
def test_the_layered_certificate_reads_back_as_the_full_render_in_every_script(template_name, key):
    template = default_template(template_name)
    context = sample_context(SAMPLE_NAMES[key])

    result = _render(template, context)
    full = _full(template, context)

    assert _placed(result.pdf) == _placed(full)  # same glyphs, same places: size, centring, direction
    assert _words(result.pdf) == _words(full)
    assert "".join(unicodedata.normalize("NFKC", SAMPLE_NAMES[key]).split()) in "".join(pdf_text(result.pdf).split())


@pytest.mark.parametrize("key", ["arabic", "hebrew"])
def test_right_to_left_names_are_drawn_from_right_to_left_in_the_learner_layer(key):
    name = SAMPLE_NAMES[key]
    pdf = _render(default_template(TEMPLATES[0]), sample_context(name)).pdf
    drawn = {unicodedata.normalize("NFKC", "".join(reversed(glyphs))): x for glyphs, x, _ in pdf_words(pdf)}
    positions = [drawn[word] for word in name.split()]
    assert positions == sorted(positions, reverse=True)


def test_the_design_is_drawn_once_and_each_credential_only_places_its_text():
    template = default_template(TEMPLATES[0])
    cache = layered.LayerCache(64 * 1024 * 1024)

    first = _render(template, sample_context("Ana Lima"), cache=cache)
    second = _render(template, sample_context("Rui Sousa", credential_id="1111-2222-3333",
                                               verification_url="https://credentials.example.org/c/8b1d6a4f-2c3e-4d9f-a011-234567890bcd"),
                     cache=cache)

    assert first.static_rendered and not second.static_rendered
    assert first.static_key == second.static_key
    assert "Rui Sousa" in pdf_text(second.pdf) and "Ana Lima" not in pdf_text(second.pdf)
    assert "1111-2222-3333" in pdf_text(second.pdf) and "8b1d6a4f-2c3e" in pdf_text(second.pdf)
    # A new version of the template is another key: its design is drawn again.
    third = _render(template, sample_context("Rui Sousa"), cache=cache, key=("test", 1, 2))
    assert third.static_rendered and third.static_key != second.static_key


def test_a_name_that_wraps_differently_gets_a_layout_of_its_own_and_stays_exact():
    template = default_template(TEMPLATES[0])
    cache = layered.LayerCache(64 * 1024 * 1024)
    short = _render(template, sample_context("Ana Lima"), cache=cache)
    long_context = sample_context(SAMPLE_NAMES["long"])

    long = _render(template, long_context, cache=cache)

    assert long.static_rendered and long.static_key != short.static_key
    assert _placed(long.pdf) == _placed(_full(template, long_context))


def test_the_same_inputs_give_the_same_bytes_whichever_credential_drew_the_design_first():
    template = default_template(TEMPLATES[1])
    after_another = _render(template, sample_context("Ana Lima"), cache=layered.LayerCache(1 << 26))
    cache = layered.LayerCache(1 << 26)
    _render(template, sample_context("Rui Sousa"), cache=cache)
    warm = _render(template, sample_context("Ana Lima"), cache=cache)
    cold = _render(template, sample_context("Ana Lima"), cache=layered.LayerCache(1 << 26))

    assert not warm.static_rendered and cold.static_rendered
    assert warm.pdf == cold.pdf == after_another.pdf


@pytest.mark.parametrize("key", ["latin", "arabic", "chinese"])
def test_the_layered_certificate_is_pdfa_3b_with_every_font_embedded_under_its_own_tag(key):
    # Made PDF/A-3b in the layered render's own pikepdf session, as issued: one open and one save.
    pdf = _render(default_template(TEMPLATES[0]), sample_context(SAMPLE_NAMES[key]), credential=SAMPLE_CREDENTIAL).pdf

    report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b")
    assert report.passed, report.findings
    assert certificate_credential_read(pdf) == SAMPLE_CREDENTIAL
    tags = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        resources = [document.pages[0].Resources]
        resources += [form.Resources for form in document.pages[0].Resources.get("/XObject", {}).values()
                      if form.get("/Subtype") == pikepdf.Name.Form]
        assert len(resources) == 2  # the page (the design) and the learner layer on it
        for fonts in (r.Font for r in resources if "/Font" in r):
            for font in fonts.values():
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                assert "/FontFile2" in descendant.FontDescriptor, font.BaseFont
                tags.append(str(font.BaseFont).lstrip("/").split("+")[0])
    assert len(tags) == len(set(tags)), tags


def test_the_certificate_entry_point_layers_with_a_key_and_matches_the_full_render():
    template = default_template(TEMPLATES[0])
    context = sample_context(SAMPLE_NAMES["vietnamese"])

    pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA, layer_key=("entry", 1, 1))

    assert layered.layer_cache().layers  # the design was cached
    assert _placed(pdf) == _placed(_full(template, context))


def test_the_entry_point_makes_the_layered_and_the_full_render_pdfa_carrying_the_credential_alike():
    template = default_template(TEMPLATES[0])
    context = sample_context(SAMPLE_NAMES["arabic"])

    layered_pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA, layer_key=("entry", 1, 1),
                                         credential=SAMPLE_CREDENTIAL)
    full_pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA, credential=SAMPLE_CREDENTIAL)

    for pdf in (layered_pdf, full_pdf):
        report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b")
        assert report.passed, report.findings
        assert certificate_credential_read(pdf) == SAMPLE_CREDENTIAL
        with pikepdf.open(io.BytesIO(pdf)) as document:
            assert document.open_metadata()["dc:identifier"] == SAMPLE_CREDENTIAL["id"]
            assert str(document.docinfo.Title) == METADATA["title"]
    assert _placed(layered_pdf) == _placed(full_pdf)


def test_the_same_inputs_give_the_same_pdfa_bytes():
    template, context = default_template(TEMPLATES[0]), sample_context(SAMPLE_NAMES["latin"])

    first = _render(template, context, credential=SAMPLE_CREDENTIAL).pdf
    layered.layer_cache().clear()
    again = _render(template, context, credential=SAMPLE_CREDENTIAL).pdf

    assert first == again


@pytest.mark.parametrize("template_name", TEMPLATES)
def test_one_design_in_two_languages_keeps_each_languages_words(template_name):
    # One template version serves learners in several languages: the layers drawn for an Arabic certificate
    # must never lend their words to a French one (the engine translates the design's fixed text).
    template = default_template(template_name)
    for language, name in (("ar", SAMPLE_NAMES["arabic"]), ("fr", "Élodie Martin"), ("ar", SAMPLE_NAMES["arabic"])):
        context = sample_context(name)
        layered_pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA,
                                             layer_key=("languages", 1, 1), language=language)
        full_pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA, language=language)
        assert _words(layered_pdf) == _words(full_pdf), language
        if language == "fr":
            assert not any("\u0600" <= char <= "\u06ff" for char in pdf_text(layered_pdf))


REPEATED = """<p>{{ organization_name }}</p>
{% for signatory in signatories %}<p>{{ signatory.name }} for {{ learner_name }}</p>{% endfor %}"""


@pytest.mark.parametrize(("html", "reason"), [
    (REPEATED, "inside a repeated block ({% for %} on HTML line 2)"),
    ("<p>{{ learner_name|upper }}</p>", "changed by a filter"),
    ('<p>{{ learner_name }} <a href="{{ verification_url }}">Verify</a></p>', "inside an HTML attribute"),
])
def test_a_template_the_layers_cannot_follow_is_rendered_in_full_and_the_editor_says_why(html, reason):
    template = {"template_html": html, "template_css": "p { font-size: 12pt; }", "page_size": "a4",
                "orientation": "landscape"}
    context = sample_context("Ana Lima")

    verdict = layering.template_layering(**template)
    with pytest.raises(layered.NotLayered):
        _render(template, context)
    pdf = certificate_render_pdf(**template, context=context, assets={}, metadata=METADATA, layer_key=("x", 1, 1))

    assert not verdict.layered and reason in verdict.reason, verdict.reason
    assert str(verdict).startswith("Full render for every credential")
    assert "ANA LIMA" in pdf_text(pdf).upper()


@pytest.mark.parametrize("template_name", TEMPLATES)
def test_the_editor_says_the_default_templates_are_layered(template_name):
    assert layering.template_layering(**default_template(template_name)).layered


def test_the_cache_holds_at_most_its_bound_in_bytes():
    template = default_template(TEMPLATES[0])
    cache = layered.LayerCache(1)  # smaller than any design: only the newest is kept

    _render(template, sample_context("Ana Lima"), cache=cache)
    _render(template, sample_context("Ana Lima"), cache=cache, key=("test", 1, 2))

    assert len(cache.layers) == 1 and list(cache.layers)[0][0] == ("test", 1, 2)


def test_one_cache_serves_the_whole_corpus_in_turn_and_each_certificate_matches_its_full_render():
    # The design's layer and the parsed paragraphs are reused between credentials: nothing one
    # credential's render leaves in them may show on the next one's certificate.
    template = default_template(TEMPLATES[1])
    cache = layered.LayerCache(1 << 26)
    for key in [*CORPUS, "latin", "mixed", "markup"]:
        context = sample_context(SAMPLE_NAMES[key])
        assert _placed(_render(template, context, cache=cache).pdf) == _placed(_full(template, context)), key
