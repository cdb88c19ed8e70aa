"""The layered certificate: a design's static layer rendered once and cached, each credential's own text placed on it.

A certificate is the same design with different text. xhtml2pdf lays out and draws the design once
per *layout* (see below), skipping the paragraphs that hold a credential's merge fields and the QR
code; that PDF is the static layer, cached. For each credential the learner layer is those
paragraphs alone, built the way xhtml2pdf builds them (its own fragment shaping, per-glyph font
fallback, bidi and line breaking in its Paragraph) and drawn by ReportLab at the exact positions
and transformations recorded while the static layer was laid out; pikepdf puts the learner page
over the static page as a form XObject.

The layout is exact because nothing is guessed:

- The *skeleton* is the template rendered by the sandbox with each variable merge field replaced
  by a marker. It must give back the real render when the markers are replaced by the real
  (escaped) values; a filter on a field, a field in an attribute or the CSS, or a field inside a
  `{% for %}` cannot be layered. `{% if score %}` and `learner_name_font_size` change the skeleton,
  so they change the cache key: each skeleton has its own static layers.
- Within a skeleton, the flow depends on the learner only through the heights of the learner
  paragraphs (the text above pushes what is below), so each credential's paragraphs are wrapped
  first, at the widths recorded in the first layout, and their heights (with the QR code's size)
  pick the static layer: `LayerKey(template, language, skeleton, heights)`. A new height renders
  a new static layer, once.
- A static render that lays a learner paragraph at a different width than the first one did, or
  splits one over a frame or page, or makes more than one page, marks the skeleton as not
  layered, and it renders in full from then on.

The output is deterministic for the same inputs: the static layer is a function of the key (it
holds no learner glyph: skipped paragraphs are never encoded), the learner layer is drawn with
ReportLab's invariant mode, and pikepdf saves with a content-derived file identifier.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pikepdf
from django.utils.html import escape
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.paraparser import tt2ps
from xhtml2pdf.util import apply_text_transform, shape_frag_text, split_by_coverage
from xhtml2pdf.xhtml2pdf_reportlab import PmlParagraph

from courses.templating.certificate_fields import FIELD_SPEC
from courses.templating.sandbox import TemplateRefused, sandbox_render

from . import fonts
from .layer_cache import LayerCache, layer_cache  # noqa: F401  (the cache lives in layer_cache.py; tests and layering.py use it from here)
from .layer_recording import _MARKER, _Placement, _ParsedStory, _Recorder, _qr_frag, _recorded  # noqa: F401
from .pdfa import PDFA_SAVE, pdfa_finish

# The merge fields whose values differ between credentials of one template version. The rest
# (organisation, colours, signatories, logo, page) are the design's; `learner_name_font_size`
# shapes the layout and stays in the skeleton as its number.
VARIABLE_FIELDS = (
    "learner_name", "course_title", "course_code", "completion_date", "issue_date", "expiry_date",
    "issued_on", "expires_on", "credential_id", "verification_url", "score", "score_percent", "achievement_name",
    "achievement_description",
)
QR_FIELD = "qr_code"
# Stands for the QR code in the skeleton (a data URI, as the references check wants), so one
# skeleton serves every credential; the engine gets the credential's own code in its place.
QR_TOKEN = "data:image/png;base64,TGF1cmVsUVI="
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_FOR_BLOCK = re.compile(r"{%-?\s*for\b.*?{%-?\s*endfor\s*-?%}", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
LAYER_SUBSET_SALT = "learner"
# Both layers' streams are Flate-compressed already (ReportLab's): qpdf copies them as they are.
_LAYER_SAVE = {"compress_streams": False, "stream_decode_level": pikepdf.StreamDecodeLevel.none, "fix_metadata_version": False}


def _marker(index: int) -> str:
    return f"{_MARK_OPEN}{chr(0xE100 + index)}{_MARK_CLOSE}"


class NotLayered(Exception):
    """This template (or this skeleton) renders in full; the message says why, for the editor."""


@dataclass
class _Skeleton:
    """One skeleton's learner paragraphs, as xhtml2pdf parsed them with markers in place of values."""

    paragraphs: dict[int, PmlParagraph]
    widths: dict[int, float] = field(default_factory=dict)  # learned from the first static render
    refused: str = ""


@dataclass
class _StaticLayer:
    pdf: bytes
    page_size: tuple[float, float]
    paragraphs: dict[int, _Placement]


# --- The skeleton --------------------------------------------------------------------------------

def template_refusal(template_html: str) -> str:
    """Why a template's source cannot be layered whatever its values, or "" if it may be."""
    for block in _FOR_BLOCK.finditer(template_html):
        names = [name for name in (*VARIABLE_FIELDS, QR_FIELD) if re.search(r"\b" + name + r"\b", block.group(0))]
        if names:
            line = template_html.count("\n", 0, block.start()) + 1
            return f"the merge field {names[0]} is inside a repeated block ({{% for %}} on HTML line {line})"
    return ""


def _marked(context: Mapping) -> dict:
    """`context` with each non-empty variable field as its marker and the QR code as QR_TOKEN."""
    marked = dict(context)
    for index, name in enumerate(VARIABLE_FIELDS):
        if context.get(name):
            marked[name] = _marker(index)
    if context.get(QR_FIELD):
        marked[QR_FIELD] = QR_TOKEN
    return marked


def _values(context: Mapping) -> dict[int, str]:
    return {index: str(context.get(name, "")) for index, name in enumerate(VARIABLE_FIELDS)}


def skeleton_body(*, template_html: str, context: Mapping) -> tuple[str, str]:
    """The sandbox's render of the HTML with each non-empty variable field as a marker, and the real render.

    Raises NotLayered when the markers do not stand exactly for the values (a filter changed one,
    or one sits inside a tag).
    """
    marked = _marked(context)
    try:
        skeleton = sandbox_render(template_html, marked, fields=FIELD_SPEC)
        real = sandbox_render(template_html, context, fields=FIELD_SPEC)
    except TemplateRefused:
        raise NotLayered("the template does not render") from None
    values = _values(context)
    for tag in _TAG.finditer(skeleton):
        if _MARKER.search(tag.group(0)):
            raise NotLayered("a merge field is used inside an HTML attribute")
    restored = _MARKER.sub(lambda m: escape(values[ord(m.group(1)) - 0xE100]), skeleton)
    if restored.replace(QR_TOKEN, escape(str(context.get(QR_FIELD, "")))) != real:
        raise NotLayered("a merge field is changed by a filter or a condition the layers cannot follow")
    return skeleton, real


# --- Building the learner's paragraphs ------------------------------------------------------------

def _frag_text(text: str, frag, values: dict[int, str]) -> str:
    def value(match: re.Match) -> str:
        raw = values[ord(match.group(1)) - 0xE100]
        text = apply_text_transform(raw, getattr(frag, "textTransform", "none"))
        shaped = shape_frag_text(text, frag.fontName)
        return shaped or text

    return _MARKER.sub(value, text)


def learner_paragraph(template: PmlParagraph, values: dict[int, str], qr_png: bytes = b"") -> PmlParagraph:
    """`template` (parsed with markers) with this credential's values, each fragment split by glyph coverage as
    xhtml2pdf does, and this credential's QR code in place of the one it was parsed with (same size)."""
    frags = []
    for frag in template.frags:
        if _qr_frag(frag):
            image = copy.copy(frag.cbDefn.image)
            image._imgdata = qr_png
            definition = copy.copy(frag.cbDefn)
            definition.image = image
            placed = frag.clone()
            placed.cbDefn = definition  # clone() never copies cbDefn (xhtml2pdf keeps images from being inherited)
            frags.append(placed)
            continue
        text = getattr(frag, "text", "")
        if not isinstance(text, str) or not _MARKER.search(text):
            frags.append(frag)
            continue
        text = _frag_text(text, frag, values)
        families = getattr(frag, "fontFamilies", None)
        if not text or not families:
            frags.append(frag.clone(text=text))
            continue
        candidates = [tt2ps(family, frag.bold, frag.italic) for family in families]
        if frag.fontName not in candidates:
            candidates.insert(0, frag.fontName)
        for run, font_name in split_by_coverage(text, candidates):
            part = frag.clone()
            part.text, part.fontName, part.bulletFontName = run, font_name, font_name
            frags.append(part)
    paragraph = PmlParagraph("".join(str(getattr(f, "text", "")) for f in frags), copy.copy(template.style),
                             frags=frags, bulletText=template.bulletText, dir=template.dir)
    for name in ("outline", "outlineLevel", "outlineOpen", "tocName", "keepWithNext", "autoLeading"):
        if hasattr(template, name):
            setattr(paragraph, name, getattr(template, name))
    return paragraph


# --- The render ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayeredResult:
    pdf: bytes
    static_key: tuple
    static_rendered: bool


def _qr_png(data_uri: str) -> bytes:
    return base64.b64decode(data_uri.split(",", 1)[1])


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk, first in every PNG


def _document_digest(document: str, assets: Mapping) -> str:
    digest = hashlib.sha256(document.encode())
    for name in sorted(assets):
        value = assets[name]
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(value if isinstance(value, bytes) else str(value).encode()).digest())
    return digest.hexdigest()


def layered_render_pdf(
    *,
    template_key: tuple,
    template_html: str,
    template_css: str,
    context: Mapping,
    assets: Mapping,
    metadata: Mapping[str, str],
    language: str | None = None,
    created: datetime | None = None,
    document_for,
    engine,
    cache: LayerCache | None = None,
    credential: dict | None = None,
) -> LayeredResult:
    """One certificate from the cached static layer and this credential's learner layer.

    `context` is the full render context (with learner_name_font_size and page_size);
    `document_for(context)` builds the engine's HTML document for a context (the full renderer's
    own), `engine(document, allowed_data)` renders it to PDF bytes under the locked policy, with no
    metadata (the static layer is the design's; the credential's title is set on the merged file).
    With `credential`, the file is made PDF/A-3b carrying it (pdfa.py) before its one save.
    Raises NotLayered (the caller renders in full) saying why.
    """
    refusal = template_refusal(template_html)
    if refusal:
        raise NotLayered(refusal)
    skeleton_html, _real = skeleton_body(template_html=template_html, context=context)
    marked = _marked(context)
    qr_uri = str(context.get(QR_FIELD, ""))
    css = sandbox_render(template_css, marked, fields=FIELD_SPEC)
    if _MARKER.search(css):
        raise NotLayered("a merge field is used in the CSS")
    cache = cache or layer_cache()
    # The engine's document for the skeleton (references checked, fonts' fallbacks added) is built
    # once per skeleton and CSS: the sandbox's render of them is the same text every time.
    # The language is in the key: the engine translates the design's fixed words while building the document.
    source_key = hashlib.sha256(f"{language}\0{skeleton_html}\0{css}\0{context.get('page_size', '')}".encode()).digest()
    skeleton_document = cache.document(source_key) or cache.document_put(source_key, document_for(marked))
    skeleton_id = _document_digest(skeleton_document, assets)
    document = skeleton_document.replace(QR_TOKEN, qr_uri) if qr_uri else skeleton_document
    qr_pixels = _png_size(_qr_png(qr_uri)) if qr_uri else (0, 0)  # an unsized <img> takes the code's own size
    skeleton_key = (template_key, language, skeleton_id, qr_pixels)
    skeleton = cache.skeleton(skeleton_key)
    if skeleton is None:
        recorder = _Recorder(mode="parse", qr_uri=qr_uri)
        with _recorded(recorder):
            try:
                engine(document, {qr_uri} if qr_uri else set())
            except _ParsedStory:
                pass
        skeleton = _Skeleton(paragraphs=recorder.paragraphs)
        if not skeleton.paragraphs:
            skeleton.refused = "no paragraph holds a merge field the layers can place"
        cache.skeleton_put(skeleton_key, skeleton)
    if skeleton.refused:
        raise NotLayered(skeleton.refused)
    values = _values(context)
    qr_png = _qr_png(qr_uri) if qr_uri else b""
    paragraphs = {index: learner_paragraph(template, values, qr_png) for index, template in skeleton.paragraphs.items()}
    heights: list = []
    if skeleton.widths:
        for index, paragraph in sorted(paragraphs.items()):
            heights.append((index, round(paragraph.wrap(*skeleton.widths[index])[1], 6)))
    static_rendered = False
    key = (*skeleton_key, tuple(heights))
    layer = cache.get(key) if heights or not paragraphs else None
    if layer is None:
        layer = _static_render(skeleton, document_for(context), qr_uri=qr_uri, engine=engine)
        static_rendered = True
        if not skeleton.widths:
            skeleton.widths = {index: place.avail for index, place in layer.paragraphs.items()}
            heights = [(index, round(paragraphs[index].wrap(*skeleton.widths[index])[1], 6)) for index in sorted(paragraphs)]
            key = (*skeleton_key, tuple(heights))
        elif any(abs(skeleton.widths[index][0] - place.avail[0]) > 1e-6 for index, place in layer.paragraphs.items()):
            skeleton.refused = "the width of a paragraph with a merge field depends on its text (an auto-sized table column)"
            raise NotLayered(skeleton.refused)
        cache.put(key, layer)
    learner = _learner_layer(layer, paragraphs)
    return LayeredResult(_merge(layer.pdf, learner, metadata=metadata, created=created, credential=credential), key,
                         static_rendered)


def _static_render(skeleton: _Skeleton, document: str, *, qr_uri: str, engine) -> _StaticLayer:
    recorder = _Recorder(mode="static", learner=set(skeleton.paragraphs), qr_uri=qr_uri)
    with _recorded(recorder):
        pdf = engine(document, {qr_uri} if qr_uri else set())
    if recorder.problem:
        skeleton.refused = recorder.problem
        raise NotLayered(recorder.problem)
    missing = set(skeleton.paragraphs) - set(recorder.placed_paragraphs)
    if missing:
        skeleton.refused = "a paragraph with a merge field was not drawn where the layers can find it"
        raise NotLayered(skeleton.refused)
    with pikepdf.open(io.BytesIO(pdf)) as static:
        if len(static.pages) != 1:
            skeleton.refused = "the certificate has more than one page"
            raise NotLayered(skeleton.refused)
        box = [float(v) for v in static.pages[0].mediabox]
        # ReportLab's file identifier and dates come from the clock: the design's layer keeps neither,
        # so it is the same bytes whichever credential's layout drew it, in any process.
        if "/ID" in static.trailer:
            del static.trailer.ID
        for name in ("/CreationDate", "/ModDate"):
            if name in static.docinfo:
                del static.docinfo[name]
        output = io.BytesIO()
        static.save(output, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                    fix_metadata_version=False, deterministic_id=True)
        pdf = output.getvalue()
    return _StaticLayer(pdf=pdf, page_size=(box[2] - box[0], box[3] - box[1]),
                        paragraphs=recorder.placed_paragraphs)


def _learner_layer(layer: _StaticLayer, paragraphs: dict[int, PmlParagraph]) -> bytes:
    output = io.BytesIO()
    canvas = Canvas(output, pagesize=layer.page_size, invariant=1, pageCompression=1)
    with fonts.subset_salt(LAYER_SUBSET_SALT):
        for index, place in sorted(layer.paragraphs.items()):
            paragraph = paragraphs[index]
            paragraph.wrapOn(canvas, *place.avail)
            canvas.saveState()
            canvas.transform(*place.matrix)
            paragraph.drawOn(canvas, place.x, place.y, place.shrink)
            canvas.restoreState()
        canvas.showPage()
        canvas.save()
    return output.getvalue()


def _pdf_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _merge(static_pdf: bytes, learner_pdf: bytes, *, metadata: Mapping[str, str], created: datetime | None,
           credential: dict | None = None) -> bytes:
    """The learner page over the static page (a form XObject), with the document's metadata; saved deterministically.

    With `credential`, made PDF/A-3b carrying it in the same session: one open and one save fewer per certificate.
    """
    moment = _pdf_date(created or datetime.now(UTC).replace(microsecond=0))
    with pikepdf.open(io.BytesIO(static_pdf)) as document, pikepdf.open(io.BytesIO(learner_pdf)) as learner:
        page = document.pages[0]
        # The learner page as a form XObject under a fixed name (add_overlay picks a random one, and
        # the bytes would differ between runs), drawn after the design with the design's state closed.
        form = document.copy_foreign(learner.pages[0].as_form_xobject())
        page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name("/LaurelLearner"))
        page.contents_add(document.make_stream(b"q\n"), prepend=True)
        page.contents_add(document.make_stream(b"\nQ\nq /LaurelLearner Do Q\n"), prepend=False)
        info = document.docinfo
        for key in ("title", "author", "subject", "keywords"):
            text = str(metadata.get(key, "")).strip()
            name = pikepdf.Name("/" + key.capitalize())
            if text:
                info[name] = text
            elif name in info:
                del info[name]
        info[pikepdf.Name.CreationDate] = moment
        info[pikepdf.Name.ModDate] = moment
        if credential is not None:
            pdfa_finish(document, credential=credential)
        output = io.BytesIO()
        document.save(output, deterministic_id=True, **(PDFA_SAVE if credential is not None else _LAYER_SAVE))
    return output.getvalue()
