"""Fixtures for certificate rendering: a canary HTTP server, sample data, and PDF readers."""

import ctypes
import io
import threading
import unicodedata
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from issuance.certificates.samples import METADATA, default_template, sample_context
from issuance.certificates.render import certificate_render_pdf

class _Canary(BaseHTTPRequestHandler):
    def _record(self):
        self.server.requests.append((self.command, self.path))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    do_GET = do_HEAD = do_POST = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def render_default(name: str, template: str = "Classic (A4 landscape)", **overrides) -> bytes:
    return certificate_render_pdf(
        **default_template(template), context=sample_context(name, **overrides), assets={}, metadata=METADATA
    )


@contextmanager
def _text_pages(pdf: bytes):
    """Each page with its pdfium text layer, closed afterwards (pdfium warns about what is left open)."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    try:
        for page in document:
            pages.append((page, page.get_textpage()))
        yield pages
    finally:
        for page, text_page in pages:
            text_page.close()
            page.close()
        document.close()


def pdf_text(pdf: bytes) -> str:
    """The text of every page in reading order, NFKC-normalised so Arabic presentation forms and
    ligatures (what the PDF draws) compare equal to the letters the learner typed. pdfium puts
    right-to-left runs back into the order they were typed, whatever order they were drawn in."""
    with _text_pages(pdf) as pages:
        text = "\n".join(text_page.get_text_bounded() for _, text_page in pages)
    return unicodedata.normalize("NFKC", text)


def _glyphs(text_page) -> list[tuple[str, float, float]]:
    """(letters, x, baseline y) of each glyph's origin, in pdfium's reading order; a space stands for
    every word break. A ligature (like ﷲ) is one glyph that pdfium expands into several letters."""
    glyphs = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for index in range(text_page.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(text_page, index))
        if char.isspace() or pdfium_c.FPDFText_IsGenerated(text_page, index):
            char = " "  # drawn as a space, or a line break pdfium inferred
        pdfium_c.FPDFText_GetCharOrigin(text_page, index, x, y)
        if char != " " and glyphs and glyphs[-1][0] != " " and glyphs[-1][1:] == (x.value, y.value):
            glyphs[-1] = (glyphs[-1][0] + char, x.value, y.value)
        else:
            glyphs.append((char, x.value, y.value))
    return glyphs


def pdf_words(pdf: bytes) -> list[tuple[tuple[str, ...], float, float]]:
    """Each word as drawn: its glyphs from left to right (so a right-to-left word comes out
    reversed), its left x, and its baseline's distance from the top of the page (one per line)."""
    words = []
    with _text_pages(pdf) as pages:
        for page, text_page in pages:
            height = page.get_height()
            word = []
            for glyph in _glyphs(text_page) + [(" ", 0.0, 0.0)]:
                if word and (glyph[0] == " " or glyph[2] != word[0][2]):
                    drawn = sorted(word, key=lambda g: g[1])
                    words.append((tuple(letters for letters, _, _ in drawn), drawn[0][1], height - drawn[0][2]))
                    word = []
                if glyph[0] != " ":
                    word.append(glyph)
    return words


def pdf_reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def pdf_image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in pdf_reader(pdf).pages)


def pdf_font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in pdf_reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names
