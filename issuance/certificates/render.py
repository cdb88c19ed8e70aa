"""Certificate PDFs: a staff template, a learner's merge fields and the organisation's assets in, PDF bytes out."""

import io
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path

from django.utils import translation

from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import RenderLimitError, ResourceAccessError, ResourceAccessPolicy

from courses.templating.certificate_fields import FIELD_SPEC
from courses.templating.languages import language_direction
from courses.templating.render_limits import RenderLimitExceeded, render_limits
from courses.templating.sandbox import TemplateRefused, sandbox_render

from .fonts import FAMILIES, css_with_font_fallback, fonts_register, name_font_size
from .layered import NotLayered, layered_render_pdf
from .pdfa import certificate_pdfa
from .references import AssetResolver, ReferenceRefused, references_refused

# ASCII85 only makes PDFs 25 % larger and costs time; nothing reads Laurel's PDFs as 7-bit text.
rl_config.useA85 = 0

PAGE_SIZES = {"a4": "a4", "letter": "letter"}
ORIENTATIONS = {"landscape", "portrait"}
PAGE_WIDTH_PT = {("a4", "landscape"): 842, ("a4", "portrait"): 595, ("letter", "landscape"): 792, ("letter", "portrait"): 612}
MAX_RENDER_SECONDS = 20
MAX_PDF_BYTES = 8 * 1024 * 1024
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
# learner_name_font_size is computed for a name area this share of the page width wide, unless
# the template's CSS declares its own, e.g. `.name { --laurel-name-width: 55%; }` or, as the designer
# writes for a block, a width in points with at most so many lines, a largest size and a family:
# `--laurel-name-width: 500pt; --laurel-name-lines: 1; --laurel-name-largest: 34pt; --laurel-name-font: 'Laurel Sans';`
NAME_BOX_RATIO = 0.68
_NAME_WIDTH = re.compile(r"--laurel-name-width\s*:\s*(\d{1,4}(?:\.\d+)?)(%|pt)")
_NAME_LINES = re.compile(r"--laurel-name-lines\s*:\s*([12])\b")
_NAME_LARGEST = re.compile(r"--laurel-name-largest\s*:\s*(\d{1,3}(?:\.\d+)?)pt")
NAME_LARGEST_DECLARED_PT = 144
_NAME_FONT = re.compile(r"--laurel-name-font\s*:\s*'([A-Za-z ]{1,40})'")
NAME_FAMILY = "Laurel Display"
NAME_LARGEST_PT, NAME_SMALLEST_PT = 40, 8

_STYLE_ATTRIBUTE = re.compile(r"(\sstyle\s*=\s*\")([^\"]*)(\")", re.IGNORECASE)


class CertificateTemplateError(ValueError):
    """The template cannot be used as it is; `problems` lists each reason for the editor."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The certificate template cannot be used: " + "; ".join(problems))


class CertificateRenderError(RuntimeError):
    """A usable template failed to render (too slow, too large, or the engine failed)."""


def _page(page_size: str, orientation: str) -> tuple[str, str]:
    size = PAGE_SIZES.get(page_size.lower())
    if size is None or orientation not in ORIENTATIONS:
        raise ValueError(f"Unknown page {page_size!r} {orientation!r}; use A4 or letter, landscape or portrait.")
    return size, orientation


def _policy() -> ResourceAccessPolicy:
    # The boundary (reliability.md §4.2): no network at all, and base_dir=None with no extra
    # roots denies every local read. Assets reach the engine only as data URIs made by the
    # link_callback, so nothing legitimate needs either.
    return ResourceAccessPolicy.server(
        base_dir=None,
        allow_remote=False,
        max_render_seconds=MAX_RENDER_SECONDS,
        max_document_bytes=MAX_DOCUMENT_BYTES,
        max_resources=40,
    )


def certificate_render_context(context: Mapping, *, page_size: str, orientation: str, template_css: str = "") -> dict:
    """`context` plus the fields that depend on the page: page_size and learner_name_font_size."""
    size, orientation = _page(page_size, orientation)
    full = dict(context)
    full["page_size"] = f"{size} {orientation}"
    page_width = PAGE_WIDTH_PT[(size, orientation)]
    declared = _NAME_WIDTH.search(template_css)
    if declared and declared.group(2) == "pt":
        box = min(float(declared.group(1)), page_width)
    else:
        box = page_width * (min(float(declared.group(1)), 100) / 100 if declared else NAME_BOX_RATIO)
    lines, largest, family = _NAME_LINES.search(template_css), _NAME_LARGEST.search(template_css), _NAME_FONT.search(template_css)
    full["learner_name_font_size"] = name_font_size(
        str(full.get("learner_name", "")),
        family=family.group(1) if family and family.group(1) in FAMILIES else NAME_FAMILY, box_width=box,
        largest=min(max(float(largest.group(1)), NAME_SMALLEST_PT), NAME_LARGEST_DECLARED_PT) if largest else NAME_LARGEST_PT,
        smallest=NAME_SMALLEST_PT, max_lines=int(lines.group(1)) if lines else 2,
    )
    return full


_LETTER_SPACING = re.compile(r"letter-spacing\s*:[^;}\"']*;?", re.IGNORECASE)


def certificate_render_html(*, template_html: str, template_css: str, context: Mapping, assets: Mapping,
                            language: str = "en") -> str:
    """The complete HTML document handed to xhtml2pdf; raises CertificateTemplateError listing every problem.

    `language` is the learner's: Laurel's own words in the template ({% translate %}) are written in it, and
    the document runs right to left for Arabic and Hebrew."""
    problems = []
    rendered = {}
    with translation.override(language):
        for part, source in (("HTML", template_html), ("CSS", template_css)):
            try:
                rendered[part] = sandbox_render(source, context, fields=FIELD_SPEC)
            except TemplateRefused as refused:
                problems += [f"{part} {problem}" for problem in refused.problems]
    if problems:
        raise CertificateTemplateError(problems)
    body, css = rendered["HTML"], rendered["CSS"]
    allowed_data = {context["qr_code"]} if context.get("qr_code") else set()
    refused = references_refused(html=body, css=css, assets=assets, allowed_data=allowed_data)
    if refused:
        raise CertificateTemplateError([f"refused reference in {item}" for item in refused])
    direction = language_direction(language)
    # Letters of Arabic script join; spacing them apart (a Latin title's tracking) breaks every word.
    untracked = (lambda rules: _LETTER_SPACING.sub("", rules)) if direction == "rtl" else (lambda rules: rules)
    body = _STYLE_ATTRIBUTE.sub(lambda m: m.group(1) + css_with_font_fallback(untracked(m.group(2))) + m.group(3), body)
    css = css_with_font_fallback(untracked(css))
    if direction == "rtl":
        # Arabic fonts' tall ascenders and descenders open every line; a paragraph's default leading closes them
        # again (a template's own line-height on a class still wins), so a page laid out for Latin stays one page.
        css = "p { line-height: 1.0; }\n" + css
    # The page size comes from the template's settings; a template that declares its own @page
    # uses {{ page_size }} in it (two @page rules would make xhtml2pdf define the page twice).
    page = "" if "@page" in css else f"@page {{ size: {context['page_size']}; }}\n"
    return (
        f'<!DOCTYPE html><html lang="{escape(language)}" dir="{direction}"><head><meta charset="utf-8">'
        f"<style>{page}{css}</style></head>"
        f'<body dir="{direction}">{body}</body></html>'
    )


def certificate_render_pdf(
    *,
    template_html: str,
    template_css: str,
    page_size: str,
    orientation: str,
    context: Mapping,
    assets: Mapping[str, bytes | Path | str],
    metadata: Mapping[str, str],
    layer_key: tuple | None = None,
    language: str = "en",
    credential: dict | None = None,
) -> bytes:
    """Render one certificate.

    With `layer_key` (the template's id and version), the certificate is made of the design's
    static layer, cached per key and `language`, and this credential's text placed on it
    (`layered.py`); a template that cannot be split safely renders in full, as without a key.

    `context` comes from `certificate_merge_fields`; `assets` maps asset names (what templates
    write as laurel-asset:<name>) to bytes or a file path; `metadata` has title, author, subject
    (and optionally keywords); `language` the learner's (a plain tag, so a cache of rendered layers can key on it).
    The PDF's creation date is the moment of rendering. With `credential` (the signed OB 3.0 JSON), the
    file is PDF/A-3b carrying it (pdfa.py), made in the layered render's own pikepdf session.
    Raises CertificateTemplateError (the template's fault: disallowed syntax or references) or
    CertificateRenderError (time, size, or the engine).
    """
    full = certificate_render_context(context, page_size=page_size, orientation=orientation, template_css=template_css)
    if layer_key is not None:
        try:
            return layered_render_pdf(
                template_key=layer_key, language=language, template_html=template_html, template_css=template_css,
                context=full, assets=assets, metadata=metadata,
                document_for=lambda values: certificate_render_html(
                    template_html=template_html, template_css=template_css, context=values, assets=assets,
                    language=language),
                engine=lambda document, allowed: certificate_render_document(
                    document, assets=assets, allowed_data=allowed, metadata={}),
                credential=credential,
            ).pdf
        except NotLayered:
            pass  # rendered in full below; the template editor says why (layering.py)
    document = certificate_render_html(template_html=template_html, template_css=template_css, context=full, assets=assets,
                                       language=language)
    allowed_data = {full["qr_code"]} if full.get("qr_code") else set()
    pdf = certificate_render_document(document, assets=assets, allowed_data=allowed_data, metadata=metadata)
    return pdf if credential is None else certificate_pdfa(pdf, credential=credential)


def certificate_render_document(document: str, *, assets: Mapping, allowed_data: set[str], metadata: Mapping[str, str]) -> bytes:
    """The engine step alone: a complete HTML document to PDF under the locked resource policy."""
    fonts_register()
    resolver = AssetResolver(assets=assets, allowed_data=allowed_data)
    meta = {key: str(metadata.get(key, "")) for key in ("title", "author", "subject", "keywords")}
    output = io.BytesIO()
    try:
        # The policy's own clock stops the engine between its steps; the operating system's limits hold inside one.
        with render_limits(what="The PDF engine", seconds=MAX_RENDER_SECONDS + 5):
            status = pisa.CreatePDF(document, dest=output, link_callback=resolver, resource_policy=_policy(), context_meta=meta)
    except RenderLimitExceeded as exceeded:
        raise CertificateRenderError(f"The certificate could not be rendered: {exceeded.problem}") from None
    except ReferenceRefused as refused:
        raise CertificateTemplateError([str(refused)]) from None
    except ResourceAccessError as refused:
        raise CertificateTemplateError([f"refused resource: {refused}"]) from None
    except RenderLimitError as error:
        raise CertificateRenderError(f"The certificate could not be rendered within the limits: {error}.") from None
    if status.err:
        raise CertificateRenderError(f"The PDF engine reported {status.err} error(s) while rendering the certificate.")
    pdf = output.getvalue()
    if len(pdf) > MAX_PDF_BYTES:
        raise CertificateRenderError(f"The certificate PDF is {len(pdf)} bytes; the limit is {MAX_PDF_BYTES}. Use smaller images.")
    return pdf
