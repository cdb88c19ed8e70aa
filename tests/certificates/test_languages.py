"""The certificate in the learner's language: Laurel's words translated, dates and scores written the language's
way, and for Arabic a right-to-left page whose text reads back, in order, from the PDF itself."""

import re
import unicodedata

import pypdfium2

from issuance.certificates.render import certificate_render_html, certificate_render_pdf
from issuance.certificates.samples import METADATA, default_template, sample_context

from .conftest import pdf_text, pdf_words

CLASSIC = "Classic (A4 landscape)"
MODERN = "Modern (US Letter landscape)"


def _render(language: str, name: str, template: str = CLASSIC) -> bytes:
    return certificate_render_pdf(**default_template(template), context=sample_context(name, locale=language),
                                  assets={}, metadata=METADATA, language=language)


def _pages(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def _plain(text: str) -> str:
    """Arabic without its optional marks (shadda, vowels), which a PDF may draw as separate glyphs."""
    return "".join(char for char in unicodedata.normalize("NFKC", text) if unicodedata.category(char) != "Mn")


def test_a_french_certificate_says_everything_in_french():
    text = pdf_text(_render("fr", "Élodie Martin"))
    for expected in ("CERTIFICAT", "de réussite", "Nous certifions que", "Élodie Martin", "a terminé avec succès",
                     "Terminé le 20 novembre 2026", "Score 92 %", "21 novembre 2029", "VÉRIFIER CE CERTIFICAT"):
        assert expected in text, expected
    assert "Completed" not in text and "This is to certify" not in text


def test_an_arabic_certificate_reads_back_right_to_left_on_one_page():
    pdf = _render("ar", "ليلى حداد")
    assert _pages(pdf) == 1
    text = _plain(pdf_text(pdf))
    # pdfium returns right-to-left runs in the order they are read; each phrase comes back whole and joined.
    for expected in ("شهادة", "نشهد بأن", "ليلى حداد", "قد أتم بنجاح", "تاريخ الإصدار", "تحقق من هذه الشهادة"):
        assert _plain(expected) in text, expected
    # Drawn right to left: the learner's name reads from the right, so its first word is drawn rightmost,
    # and the table's first cell (the signatures) sits on the right, the verification block on the left.
    words = {"".join(letters): x for letters, x, _ in pdf_words(pdf)}
    assert words["Whitfield"] > words["https://credentials.example.org/c/7a0c5f3e-1b2d-4c8e-9f00-123456789abc"]
    name_words = [(x, _plain("".join(letters))) for letters, x, _ in pdf_words(pdf) if _plain("".join(letters))[::-1] in ("ليلى", "حداد")]
    assert [word[::-1] for _, word in sorted(name_words, reverse=True)] == ["ليلى", "حداد"]


def test_an_arabic_title_is_not_tracked_apart_and_the_document_says_rtl():
    html = certificate_render_html(**{k: v for k, v in default_template(CLASSIC).items() if k.startswith("template")},
                                   context={**sample_context("ليلى حداد", locale="ar"), "page_size": "a4 landscape",
                                            "learner_name_font_size": 30}, assets={}, language="ar")
    assert html.startswith('<!DOCTYPE html><html lang="ar" dir="rtl">') and '<body dir="rtl">' in html
    assert not re.search(r"letter-spacing\s*:", html)  # spaced-out Arabic letters stop joining


def test_the_modern_template_is_translated_too():
    text = pdf_text(_render("de", "Jonas Müller", MODERN))
    for expected in ("Abschlusszertifikat", "Verliehen an", "Kurs FA-101", "Abgeschlossen am 20. November 2026", "Nachweis-ID"):
        assert expected.upper() in text.upper(), expected


def test_english_stays_as_it_was():
    text = pdf_text(_render("en", "Ann Lee"))
    assert "This is to certify that" in text and "Completed November 20, 2026" in text and "Score 92%" in text
