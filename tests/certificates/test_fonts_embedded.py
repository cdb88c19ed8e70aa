"""Every font a certificate uses is embedded, and each subset has its own tag (real-systems.md §6).

Validators found `/Helvetica` referenced but not embedded (a viewer then draws it from whatever
it has), and every subset tagged `AAAAAA+`, which ISO 32000-1 §9.6.4 forbids.
"""

import io

import pytest
from pypdf import PdfReader

from courses.defaults import DEFAULT_CERTIFICATES
from issuance.certificates.render import certificate_render_pdf
from issuance.certificates.samples import METADATA, SAMPLE_NAMES, sample_context

from .conftest import render_default

# A template written without a thought for fonts: no family on most text, the standard fonts by
# name, the generic families, a list (bullets), code, bold and italic, a table.
PLAIN_HTML = """
<h1>Certificate</h1>
<p>Awarded to <b>{{ learner_name }}</b> for <i>{{ course_title }}</i>.</p>
<ul><li>First aid</li><li>Fire safety</li></ul>
<p class="helvetica">Helvetica <b>bold</b> <i>oblique</i></p>
<p class="times">Times <b>bold</b> <i>italic</i></p>
<p class="courier">Courier <code>code</code></p>
<p class="generic-sans">sans-serif</p><p class="generic-serif">serif</p><p class="mono">monospace</p>
<pre>preformatted</pre>
<table><tr><td>cell</td><td></td></tr></table>
<p>{{ verification_url }}</p>
"""
PLAIN_CSS = """
.helvetica { font-family: Helvetica; } .times { font-family: "Times New Roman"; } .courier { font-family: Courier; }
.generic-sans { font-family: sans-serif; } .generic-serif { font-family: serif; } .mono { font-family: monospace; }
"""


def fonts_of(pdf: bytes) -> list:
    """Every font dictionary the pages (and the forms they draw) use, each once."""
    fonts, seen = [], set()

    def walk(resources):
        resources = resources.get_object() if resources is not None else {}
        for ref in (resources.get("/Font") or {}).values():
            key = getattr(ref, "idnum", id(ref))
            if key not in seen:
                seen.add(key)
                fonts.append(ref.get_object())
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if "/Resources" in xobject:
                walk(xobject["/Resources"])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return fonts


def assert_every_font_embedded_with_its_own_tag(pdf: bytes):
    fonts = fonts_of(pdf)
    assert fonts
    unembedded = [str(f["/BaseFont"]) for f in fonts
                  if not any(k in f.get("/FontDescriptor", {}) for k in ("/FontFile", "/FontFile2", "/FontFile3"))]
    assert unembedded == []
    tags = [str(f["/BaseFont"]).lstrip("/").partition("+")[0] for f in fonts]
    assert all(len(tag) == 6 and tag.isalpha() and tag.isupper() for tag in tags), tags
    assert len(set(tags)) == len(tags), sorted(tags)


@pytest.mark.parametrize("template", list(DEFAULT_CERTIFICATES))
def test_the_default_certificates_embed_every_font_under_distinct_tags(template):
    pdf = render_default(SAMPLE_NAMES["mixed"], template)
    assert_every_font_embedded_with_its_own_tag(pdf)


def test_a_template_naming_no_font_or_the_standard_ones_still_embeds_every_font():
    pdf = certificate_render_pdf(template_html=PLAIN_HTML, template_css=PLAIN_CSS, page_size="a4", orientation="portrait",
                                 context=sample_context("Ana Lima"), assets={}, metadata=METADATA)
    names = [str(f["/BaseFont"]) for f in fonts_of(pdf)]
    assert not any(base in name for name in names for base in ("Helvetica", "Times", "Courier", "Symbol", "Zapf")), names
    assert_every_font_embedded_with_its_own_tag(pdf)
