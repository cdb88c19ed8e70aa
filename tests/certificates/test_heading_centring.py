"""The classic certificate's headings are centred on the page as drawn, tracking included."""

import ctypes

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from .conftest import render_default


def drawn_centre(pdf: bytes, text: str) -> tuple[float, float]:
    """The horizontal centre of `text`'s drawn glyphs (first glyph's left edge to last glyph's right
    edge) and the page's centre, in points."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        text_page = page.get_textpage()
        start = text_page.get_text_range().find(text)
        assert start >= 0, f"{text!r} is not on the page"
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        pdfium_c.FPDFText_GetCharBox(text_page, start, left, right, bottom, top)
        first_left = left.value
        pdfium_c.FPDFText_GetCharBox(text_page, start + len(text) - 1, left, right, bottom, top)
        centre = (first_left + right.value) / 2, page.get_width() / 2
        text_page.close()
        page.close()
        return centre
    finally:
        document.close()


@pytest.mark.parametrize("organization", ["Northbridge Safety Academy", "Ivy", "The Royal Institute of Occupational Health"])
def test_the_title_and_organisation_name_sit_on_the_page_centre(organization):
    pdf = render_default("Ann Lee", organization_name=organization)
    for heading in ("CERTIFICATE", organization.upper()):
        centre, page_centre = drawn_centre(pdf, heading)
        assert abs(centre - page_centre) < 1.5, f"{heading} is {centre - page_centre:+.1f}pt off centre"


def test_the_score_is_a_percentage():
    pdf = render_default("Ann Lee", score=92)
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Score 92%" in text
