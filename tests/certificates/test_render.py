"""Every name, in every script, comes out of the certificate with real glyphs and as extractable text."""

import logging
import unicodedata
from datetime import datetime, timezone

import pytest

from courses.defaults import DEFAULT_CERTIFICATES
from issuance.certificates.render import CertificateRenderError, certificate_render_pdf
from issuance.certificates.samples import METADATA, SAMPLE_NAMES, sample_context

from .conftest import pdf_font_names, pdf_reader, pdf_text, pdf_words, render_default

HARD_NAMES = {
    **SAMPLE_NAMES,
    "markup": "O'Brien <b>&</b> Sons",
}
SCRIPT_FONT = {
    "arabic": "NotoNaskhArabic-Regular",
    "hebrew": "NotoSerifHebrew-Regular",
    "chinese": "DroidSansFallback",
    "japanese": "DroidSansFallback",
    "korean": "DroidSansFallback",
    "mixed": "DroidSansFallback",
}


@pytest.mark.parametrize("template", list(DEFAULT_CERTIFICATES))
@pytest.mark.parametrize("key", list(HARD_NAMES))
def test_it_renders_every_hard_name_as_text_with_real_glyphs(key, template, caplog):
    name = HARD_NAMES[key]
    with caplog.at_level(logging.WARNING, logger="xhtml2pdf"):
        pdf = render_default(name, template)

    # xhtml2pdf warns for every character no font in the stack can draw (a box or a blank).
    missing = [r.getMessage() for r in caplog.records if "can draw" in r.getMessage()]
    assert missing == []
    assert " ".join(name.split()) in " ".join(pdf_text(pdf).split())
    assert len(pdf_reader(pdf).pages) == 1
    if key in SCRIPT_FONT:
        assert SCRIPT_FONT[key] in pdf_font_names(pdf)


@pytest.mark.parametrize("key", ["arabic", "hebrew"])
def test_it_draws_right_to_left_names_from_right_to_left(key):
    # pdf_text gives reading order (pdfium reorders right-to-left runs), so the text check above
    # cannot tell a name drawn in the wrong direction from a correct one. Positions can: drawn right
    # to left, each word's glyphs read left to right come out reversed, and the first word the
    # learner typed is the rightmost. (A ligature like ﷲ is one glyph; NFKC then expands it.)
    name = SAMPLE_NAMES[key]
    drawn = {
        unicodedata.normalize("NFKC", "".join(reversed(glyphs))): x for glyphs, x, _ in pdf_words(render_default(name))
    }
    assert all(word in drawn for word in name.split()), (name.split(), list(drawn))
    positions = [drawn[word] for word in name.split()]
    assert positions == sorted(positions, reverse=True)


def test_it_joins_arabic_letters_into_their_connected_forms():
    text = pdf_text(render_default(SAMPLE_NAMES["arabic"]))
    assert "محمد" in text
    # Raw extraction (before NFKC) shows the presentation forms the PDF actually draws.
    raw = pdf_reader(render_default(SAMPLE_NAMES["arabic"])).pages[0].extract_text()
    assert any("\ufb50" <= char <= "\ufeff" for char in raw)


def test_it_prints_html_metacharacters_literally():
    pdf = render_default("O'Brien <b>&</b> Sons")
    assert "O'Brien <b>&</b> Sons" in pdf_text(pdf)
    assert "O'Brien & Sons" not in pdf_text(pdf)


@pytest.mark.parametrize("template", list(DEFAULT_CERTIFICATES))
def test_it_fits_a_200_character_name_on_at_most_two_lines(template):
    name = SAMPLE_NAMES["long"]
    assert len(name) == 200
    pdf = render_default(name, template)
    words = set(name.split())
    lines = {round(y) for glyphs, _, y in pdf_words(pdf) if unicodedata.normalize("NFKC", "".join(glyphs)) in words}
    assert 1 <= len(lines) <= 2
    assert len(pdf_reader(pdf).pages) == 1


def test_it_shrinks_a_long_name_but_not_a_short_one():
    short = sample_context("Ana Lima")
    long = sample_context(SAMPLE_NAMES["long"])
    from issuance.certificates.render import certificate_render_context

    short_size = certificate_render_context(short, page_size="A4", orientation="landscape")["learner_name_font_size"]
    long_size = certificate_render_context(long, page_size="A4", orientation="landscape")["learner_name_font_size"]
    assert short_size == 40
    assert long_size < short_size


def test_it_writes_title_author_subject_and_creation_date():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    pdf = render_default("Ana Lima")
    meta = pdf_reader(pdf).metadata
    assert meta.title == METADATA["title"]
    assert meta.author == METADATA["author"]
    assert meta.subject == METADATA["subject"]
    assert meta.creation_date is not None
    assert meta.creation_date.astimezone(timezone.utc) >= before.replace(second=0)


def test_it_fails_clearly_when_the_pdf_is_larger_than_the_limit(monkeypatch):
    monkeypatch.setattr("issuance.certificates.render.MAX_PDF_BYTES", 1000)
    with pytest.raises(CertificateRenderError, match="the limit is 1000"):
        render_default("Ana Lima")


def test_it_fails_clearly_when_the_render_takes_longer_than_the_limit(monkeypatch):
    monkeypatch.setattr("issuance.certificates.render.MAX_RENDER_SECONDS", 0.000001)
    with pytest.raises(CertificateRenderError, match="within the limits"):
        render_default("Ana Lima")


def test_it_embeds_an_organisation_asset_named_by_the_template(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), (200, 30, 30)).save(logo)
    pdf = certificate_render_pdf(
        template_html='<img src="{{ organization_logo }}"><p>{{ learner_name }}</p>',
        template_css="",
        page_size="letter",
        orientation="portrait",
        context=sample_context("Ana Lima", organization_logo_asset="logo"),
        assets={"logo": logo},
        metadata=METADATA,
    )
    assert len(pdf_reader(pdf).pages[0].images) == 1
