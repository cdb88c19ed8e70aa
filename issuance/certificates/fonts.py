"""The bundled certificate fonts: registered once per process, with per-script fallback."""

import contextlib
import contextvars
import copy
import hashlib
import re
import threading
from pathlib import Path
from weakref import WeakKeyDictionary

from django.conf import settings
from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.tables import CellStyle
from xhtml2pdf import context as xhtml2pdf_context
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import tags as xhtml2pdf_tags

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

# family -> (regular, bold, italic) file names; a missing weight falls back to regular (bold italic is drawn bold).
FAMILIES: dict[str, tuple[str, str | None, str | None]] = {
    "Laurel Display": ("NotoSerifDisplay-Regular.ttf", None, "NotoSerifDisplay-Italic.ttf"),
    "Laurel Serif": ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf"),
    "Laurel Sans": ("NotoSans-Regular.ttf", "NotoSans-SemiBold.ttf", "NotoSans-Italic.ttf"),
    "Laurel Arabic": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", None),
    "Laurel Hebrew": ("NotoSerifHebrew-Regular.ttf", "NotoSerifHebrew-Bold.ttf", None),
    "Laurel CJK": ("DroidSansFallback.ttf", None, None),
}

# Appended to every font-family list a template declares, in this order: the first family that
# has a glyph draws it (xhtml2pdf splits text by glyph coverage), so a template that names only a
# Latin font still draws Greek, Cyrillic, Arabic, Hebrew, Chinese, Japanese and Korean.
FALLBACK_FAMILIES = ("Laurel Serif", "Laurel Arabic", "Laurel Hebrew", "Laurel CJK")

# The PDF standard fonts xhtml2pdf knows by name (and its aliases for them): a PDF viewer draws
# them from whatever it has, so each is drawn with a bundled family instead, embedded like the rest.
# Laurel bundles no monospace face: Courier and monospace are drawn in Laurel Sans.
BASE14_STAND_INS = {
    "helvetica": "Laurel Sans", "arial": "Laurel Sans", "sans": "Laurel Sans", "sansserif": "Laurel Sans",
    "sans-serif": "Laurel Sans", "courier": "Laurel Sans", "monospace": "Laurel Sans", "monospaced": "Laurel Sans",
    "symbol": "Laurel Sans", "zapfdingbats": "Laurel Sans", "zapf-dingbats": "Laurel Sans",
    "times": "Laurel Serif", "times-roman": "Laurel Serif", "times new roman": "Laurel Serif", "serif": "Laurel Serif",
    "georgia": "Laurel Serif",
}
BASE_FONT = "Laurel Sans"
# Standard fonts by their PostScript names, each drawn with a bundled face where code asks for it by
# name. Helvetica is left out: xhtml2pdf treats its default font specially (a bundled face under
# that name turned the classic title italic), so its two uses are redirected instead (see below).
STANDARD_FONTS = {
    "Times-Roman": ("Laurel Serif", "Regular"), "Times-Bold": ("Laurel Serif", "Bold"),
    "Times-Italic": ("Laurel Serif", "Regular"), "Times-BoldItalic": ("Laurel Serif", "Bold"),
    "Courier": ("Laurel Sans", "Regular"), "Courier-Bold": ("Laurel Sans", "Bold"),
    "Courier-Oblique": ("Laurel Sans", "Regular"), "Courier-BoldOblique": ("Laurel Sans", "Bold"),
    "Symbol": ("Laurel Sans", "Regular"), "ZapfDingbats": ("Laurel Sans", "Regular"),
}

_registered = False
_lock = threading.Lock()
_subset_lock = threading.Lock()


# A PDF made of layers (layered.py) holds subsets of one font from each layer: the learner layer's
# subsets are tagged with this salt too, so no two different subsets share a tag.
_subset_salt: contextvars.ContextVar[str] = contextvars.ContextVar("laurel_subset_salt", default="")


@contextlib.contextmanager
def subset_salt(salt: str):
    """Within this block, subsets are tagged from the font's name, the salt and the subset's number."""
    token = _subset_salt.set(salt)
    try:
        yield
    finally:
        _subset_salt.reset(token)


def subset_tag(font_name: str, subset: int) -> str:
    """Six capital letters for one subset of one font (ISO 32000-1 §9.6.4: different subsets, different tags).

    ReportLab tags every font's first subset AAAAAA, so a certificate held six fonts all tagged
    AAAAAA+; a tag from the font's name and the subset's number differs between them.
    """
    salt = _subset_salt.get()
    digest = hashlib.sha256((f"{font_name}/{subset}" + (f"/{salt}" if salt else "")).encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


class SubsetTaggedTTFont(TTFont):
    """A TrueType font whose subsets are embedded under their own tags (see `subset_tag`)."""

    def addObjects(self, doc):
        # ReportLab names subsets through its module-level SUBSETN(n), which cannot see the font:
        # for the length of this call it is one that can.
        with _subset_lock:
            standard = ttfonts.SUBSETN
            ttfonts.SUBSETN = lambda n, name=self.fontName: subset_tag(name, n).encode("ascii")
            try:
                super().addObjects(doc)
            finally:
                ttfonts.SUBSETN = standard


def _ps_name(family: str, style: str) -> str:
    return f"{family.replace(' ', '')}-{style}"


def fonts_register() -> None:
    """Register the bundled families with ReportLab and xhtml2pdf; idempotent, cheap after the first call.

    Registering up front (instead of @font-face in each template) means a render reads no font
    file at all: the resource policy can then refuse every local read.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for family, (regular, bold, italic) in FAMILIES.items():
            names = {}
            for style, filename in (("Regular", regular), ("Bold", bold), ("Italic", italic)):
                if filename:
                    names[style] = _ps_name(family, style)
                    pdfmetrics.registerFont(SubsetTaggedTTFont(names[style], str(FONTS_DIR / filename)))
            normal = names["Regular"]
            bold_name = names.get("Bold", normal)
            italic_name = names.get("Italic", normal)
            key = family.lower()
            # xhtml2pdf asks for bold/italic by the regular face's name, so map that name too.
            for alias in (key, normal):
                for is_bold, is_italic, face in ((0, 0, normal), (1, 0, bold_name), (0, 1, italic_name), (1, 1, bold_name)):
                    addMapping(alias, is_bold, is_italic, face)
            # xhtml2pdf copies this dict into each document's font list: the documented way to make a
            # font known to every render without an @font-face.
            xhtml2pdf_default.DEFAULT_FONT[key] = normal
            xhtml2pdf_default.DEFAULT_FONT[key.replace(" ", "-")] = normal
        _base14_replace()
        _registered = True


def _base14_replace() -> None:
    """No standard (unembedded) font anywhere: xhtml2pdf's names for them, and ReportLab's page default.

    A PDF referenced /Helvetica without embedding it: ReportLab opens every page with its base font
    set (Helvetica), and xhtml2pdf draws text whose CSS names no family in Helvetica.
    """
    for name, family in BASE14_STAND_INS.items():
        regular = _ps_name(family, "Regular")
        bold = _ps_name(family, "Bold") if FAMILIES[family][1] else regular
        italic = _ps_name(family, "Italic") if FAMILIES[family][2] else regular
        for suffix, face in (("", regular), ("-bold", bold), ("-oblique", italic), ("-italic", italic),
                             ("-boldoblique", bold), ("-bolditalic", bold), ("-roman", regular)):
            key = name + suffix
            if suffix == "" or key in xhtml2pdf_default.DEFAULT_FONT:
                xhtml2pdf_default.DEFAULT_FONT[key] = face
    # ReportLab copied its base font (Helvetica) into these defaults when imported: xhtml2pdf's
    # table cells set it even when they hold no text. A TrueType base font is also set per text
    # run, never in the page's opening, so no page refers to /F1 Helvetica.
    base = _ps_name(BASE_FONT, "Regular")
    rl_config.canvas_basefontname = base
    CellStyle.fontname = base
    # Whatever still asks for a standard font by its own name gets a bundled face under that name,
    # embedded and subset like the others (a copy sharing the parsed face, with its own PDF state).
    for name, (family, style) in STANDARD_FONTS.items():
        face = pdfmetrics.getFont(_ps_name(family, style if FAMILIES[family][1 if style == "Bold" else 0] else "Regular"))
        stand_in = copy.copy(face)
        stand_in.fontName, stand_in.state = name, WeakKeyDictionary()
        pdfmetrics.registerFont(stand_in)
    # xhtml2pdf gives every paragraph a bullet font of "Helvetica", set on the page even when the
    # marker itself is drawn in another font.
    make_frag = xhtml2pdf_context.getParaFrag

    def paragraph_frag(style, make_frag=make_frag):
        frag = make_frag(style)
        frag.bulletFontName = base
        return frag

    xhtml2pdf_context.getParaFrag = paragraph_frag
    # List markers: no bundled face has a black square, so a square marker is drawn as a disc.
    xhtml2pdf_tags._list_style_type["square"] = "\u2022"
    for marker in xhtml2pdf_tags._list_style_font:
        xhtml2pdf_tags._list_style_font[marker] = (base, 1.0)


_FONT_FAMILY = re.compile(r"(font-family\s*:\s*)([^;}<>]*[^;}<>\s])", re.IGNORECASE)


def css_with_font_fallback(css: str) -> str:
    """Append the per-script fallback families to every `font-family` declaration in `css`."""
    fallback = ", ".join(f"'{family}'" for family in FALLBACK_FAMILIES)  # single quotes: also used inside style=""

    def extend(match: re.Match) -> str:
        declared = match.group(2).strip()
        important = ""
        if declared.lower().endswith("!important"):
            declared, important = declared[: -len("!important")].rstrip(), " !important"
        return f"{match.group(1)}{declared}, {fallback}{important}"

    return _FONT_FAMILY.sub(extend, css)


_coverages: dict[str, frozenset[int]] = {}


def _coverage(ps_name: str) -> frozenset[int]:
    if ps_name not in _coverages:
        _coverages[ps_name] = frozenset(pdfmetrics.getFont(ps_name).face.charToGlyph)
    return _coverages[ps_name]


def text_width(text: str, *, family: str, size: float) -> float:
    """Width in points of `text` drawn in `family` with per-character fallback, as xhtml2pdf draws it."""
    fonts_register()
    chain = [_ps_name(family, "Regular"), *(_ps_name(f, "Regular") for f in FALLBACK_FAMILIES)]
    width = 0.0
    for char in text:
        face = next((name for name in chain if ord(char) in _coverage(name)), chain[0])
        width += pdfmetrics.stringWidth(char, face, size)
    return width


def _line_count(words: list[str], *, family: str, size: float, width: float) -> int:
    lines, current = 1, 0.0
    space = text_width(" ", family=family, size=size)
    for word in words:
        word_width = text_width(word, family=family, size=size)
        if word_width > width:
            return 99  # a single word that does not fit would overflow the box
        if current and current + space + word_width > width:
            lines, current = lines + 1, word_width
        else:
            current = current + space + word_width if current else word_width
    return lines


def name_font_size(name: str, *, family: str, box_width: float, largest: float, smallest: float, max_lines: int = 2) -> float:
    """The largest size (whole points) at which `name` wraps to at most `max_lines` lines in `box_width`."""
    words = name.split() or [""]
    size = largest
    while size > smallest and _line_count(words, family=family, size=size, width=box_width) > max_lines:
        size -= 1
    return size
