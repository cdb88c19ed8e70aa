"""The bundled certificate fonts: registered once per process, with per-script fallback."""

import re
import threading
from pathlib import Path

from django.conf import settings
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

# family -> (regular, bold, italic) file names; a missing weight falls back to regular.
FAMILIES: dict[str, tuple[str, str | None, str | None]] = {
    "Laurel Display": ("NotoSerifDisplay-Regular.ttf", None, "NotoSerifDisplay-Italic.ttf"),
    "Laurel Serif": ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", None),
    "Laurel Sans": ("NotoSans-Regular.ttf", "NotoSans-SemiBold.ttf", None),
    "Laurel Arabic": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", None),
    "Laurel Hebrew": ("NotoSerifHebrew-Regular.ttf", "NotoSerifHebrew-Bold.ttf", None),
    "Laurel CJK": ("DroidSansFallback.ttf", None, None),
}

# Appended to every font-family list a template declares, in this order: the first family that
# has a glyph draws it (xhtml2pdf splits text by glyph coverage), so a template that names only a
# Latin font still draws Greek, Cyrillic, Arabic, Hebrew, Chinese, Japanese and Korean.
FALLBACK_FAMILIES = ("Laurel Serif", "Laurel Arabic", "Laurel Hebrew", "Laurel CJK")

_registered = False
_lock = threading.Lock()


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
                    pdfmetrics.registerFont(TTFont(names[style], str(FONTS_DIR / filename)))
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
        _registered = True


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
