"""Fixtures for certificate rendering: a canary HTTP server, sample data, and PDF readers."""

import html
import io
import re
import subprocess
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pytest

from issuance.certificates.samples import METADATA, default_template, sample_context
from issuance.certificates.render import certificate_render_pdf

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


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


def pdf_text(pdf: bytes) -> str:
    """Text as pdftotext (poppler) extracts it, NFKC-normalised so Arabic presentation forms
    (what the PDF draws) compare equal to the letters the learner typed, and without the bidi
    control marks pdftotext adds around right-to-left runs."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return unicodedata.normalize("NFKC", out.decode("utf-8")).translate(BIDI_CONTROLS)


def pdf_words(pdf: bytes) -> list[tuple[str, float, float]]:
    """Each word pdftotext finds, as drawn (glyphs left to right, not normalised), with its left x and top y."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</word>', out.stdout.decode("utf-8"))
    return [(html.unescape(text), float(x), float(y)) for x, y, text in words]


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
