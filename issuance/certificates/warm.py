"""Loading the certificate renderer once in a parent process, so the workers it forks start warm."""

from .pdfa import certificate_pdfa
from .render import certificate_render_pdf
from .samples import METADATA, SAMPLE_CREDENTIAL, default_template, sample_context

WARM_TEMPLATE = "Classic (A4 landscape)"


def certificate_renderer_warm() -> None:
    """Render one sample: registers the fonts, builds the glyph coverage tables, imports the PDF stack
    (and pikepdf's PDF/A preparation, which loads its tables on first use).

    A cold worker spends ~160 ms on its first certificate, a warm one ~25 ms (bench/render_certificates.py).
    The name mixes scripts so the fallback fonts' coverage tables are built too.
    """
    pdf = certificate_render_pdf(**default_template(WARM_TEMPLATE), context=sample_context("Warm Ünïcode 王 Анна"),
                                 assets={}, metadata=METADATA)
    certificate_pdfa(pdf, credential=SAMPLE_CREDENTIAL)
