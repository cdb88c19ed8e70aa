"""The certificate designer's format: a design (blocks placed on a page) to the sandboxed HTML and CSS, and back.

A design is a list of blocks, each absolutely positioned in points from the page's top left. It is
saved as an ordinary certificate template (the sandbox, the save checks, the versions and the
preview all apply as to one written by hand), with the design itself in a `{# laurel-design … #}`
comment on the first line: a template comment, so it never reaches the PDF. Reading a template back
regenerates it from that comment and compares: any hand edit makes it a template the designer does
not show (it opens in the code view with a note), so the designer never shows something else than
what renders.
"""

import json
import re
from dataclasses import dataclass
from html import escape

DESIGN_VERSION = 1
MAX_BLOCKS = 100
MAX_TEXT_CHARS = 500
MAX_POINTS = 1200.0
# Points of each page, as (width, height) portrait; landscape swaps them.
PAGE_POINTS = {"A4": (595.0, 842.0), "letter": (612.0, 792.0)}
FONTS = ("Laurel Display", "Laurel Serif", "Laurel Sans")
WEIGHTS = ("normal", "bold")
STYLES = ("normal", "italic")  # italic is kept only when chosen, so designs saved before it read back unchanged
ALIGNMENTS = ("left", "center", "right")
KINDS = ("text", "field", "image", "qr", "line", "box")
# The merge fields a text block may show, as the designer names them (courses/templating/certificate_fields.py).
TEXT_FIELDS = {
    "learner_name": "Learner's name",
    "course_title": "Course title",
    "course_code": "Course code",
    "achievement_name": "Achievement name",
    "achievement_description": "Achievement description",
    "completion_date": "Completion date",
    "issue_date": "Issue date",
    "expiry_date": "Expiry date",
    "score": "Score",
    "score_percent": "Score (percent)",
    "credential_id": "Credential id",
    "verification_url": "Verification address",
    "organization_name": "Organisation name",
}
# A learner's name may be fitted to its block: the renderer picks the largest size up to the block's
# that keeps it on one line of the block's width (learner_name_font_size, issuance/certificates/render.py).
FITTED_FIELD = "learner_name"
ORGANIZATION_LOGO = "organization_logo"  # an image block's asset: the organisation's logo field, not a named asset
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
_MARKER = re.compile(r"\A\{# laurel-design (\{[^\n]*\}) #\}\n")
CSS_HEAD = ("/* Made in Laurel's certificate designer (the Design tab). Edited here by hand, the template opens in this code view. */\n"
            "@page { size: {{ page_size }}; margin: 0; }\nbody { margin: 0; }\n")
TEXT_DEFAULTS = {"font": "Laurel Sans", "size": 14.0, "color": "#222222", "weight": "normal", "align": "left"}


class DesignRefused(ValueError):
    """The design cannot be saved as sent; `problems` names each block's problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class DesignRead:
    """A template read back: its design, or why the designer cannot show it (`note`, for the editor)."""

    design: dict | None
    note: str = ""


def _number(value, where: str, problems: list, *, low: float, high: float = MAX_POINTS) -> float:
    try:
        number = round(float(value), 1)
    except (TypeError, ValueError):
        problems.append(f"{where}: a number is needed, not {str(value)[:20]!r}.")
        return low
    if not low <= number <= high:
        problems.append(f"{where}: {number:g} is outside {low:g} to {high:g}.")
    return number


def _choice(value, allowed, where: str, problems: list, default):
    value = default if value in (None, "") else value
    if value not in allowed:
        problems.append(f"{where}: {str(value)[:40]!r} is not one of {', '.join(allowed)}.")
    return value


def _colour(value, where: str, problems: list, default: str) -> str:
    value = str(value or default).lower()
    if not _COLOUR.match(value):
        problems.append(f"{where}: colours are written #rrggbb, not {value[:20]!r}.")
    return value


def _block_clean(raw, where: str, problems: list) -> dict:
    raw = raw if isinstance(raw, dict) else {}
    kind = _choice(raw.get("kind"), KINDS, where, problems, None)
    block = {"kind": kind}
    for name in ("x", "y"):
        block[name] = _number(raw.get(name, 0), f"{where} {name}", problems, low=0)
    block["w"] = _number(raw.get("w", 100), f"{where} width", problems, low=1)
    block["h"] = _number(raw.get("h", 20), f"{where} height", problems, low=0.5)
    if kind in ("text", "field"):
        if kind == "text":
            text = str(raw.get("text") or "")
            if len(text) > MAX_TEXT_CHARS:
                problems.append(f"{where}: the text is longer than {MAX_TEXT_CHARS} characters.")
            block["text"] = text[:MAX_TEXT_CHARS]
        else:
            block["field"] = _choice(raw.get("field"), tuple(TEXT_FIELDS), f"{where} field", problems, None)
            if block["field"] == FITTED_FIELD:
                block["fit"] = bool(raw.get("fit", False))
        block["font"] = _choice(raw.get("font"), FONTS, f"{where} font", problems, TEXT_DEFAULTS["font"])
        block["size"] = _number(raw.get("size", TEXT_DEFAULTS["size"]), f"{where} font size", problems, low=4, high=144)
        block["color"] = _colour(raw.get("color"), f"{where} colour", problems, TEXT_DEFAULTS["color"])
        block["weight"] = _choice(raw.get("weight"), WEIGHTS, f"{where} weight", problems, "normal")
        if _choice(raw.get("style"), STYLES, f"{where} style", problems, "normal") == "italic":
            block["style"] = "italic"
        block["align"] = _choice(raw.get("align"), ALIGNMENTS, f"{where} alignment", problems, "left")
    elif kind == "image":
        asset = str(raw.get("asset") or "")
        if asset != ORGANIZATION_LOGO and not _ASSET_NAME.match(asset):
            problems.append(f"{where}: choose an uploaded image, not {asset[:40]!r}.")
        block["asset"] = asset
    elif kind in ("line", "box"):
        block["color"] = _colour(raw.get("color"), f"{where} colour", problems, "#222222")
    if kind == "box":
        block["stroke"] = _number(raw.get("stroke", 1), f"{where} border width", problems, low=0, high=20)
        fill = raw.get("fill") or ""
        block["fill"] = _colour(fill, f"{where} fill", problems, "") if fill else ""
    return block


def design_clean(data) -> dict:
    """The design in its one canonical form (so it reads back equal), or DesignRefused naming every problem."""
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
        raise DesignRefused(["The design must be an object with a list of blocks."])
    if len(data["blocks"]) > MAX_BLOCKS:
        raise DesignRefused([f"A design holds at most {MAX_BLOCKS} blocks; this one has {len(data['blocks'])}."])
    blocks = [_block_clean(raw, f"Block {number}", problems) for number, raw in enumerate(data["blocks"], start=1)]
    if problems:
        raise DesignRefused(problems)
    return {"version": DESIGN_VERSION, "blocks": blocks}


def _pt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") + "pt"


def _text_html(text: str) -> str:
    # Escaped for HTML, and braces as entities so staff text can never become template syntax.
    safe = escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return "<br>".join(safe.splitlines()) if safe else ""


def _block_html(block: dict) -> str:
    kind = block["kind"]
    if kind == "text":
        return _text_html(block["text"])
    if kind == "field":
        return "{{ " + block["field"] + " }}"
    if kind == "qr":
        return '<img src="{{ qr_code }}">'
    if kind == "image" and block["asset"] == ORGANIZATION_LOGO:
        return '{% if organization_logo %}<img src="{{ organization_logo }}">{% endif %}'
    if kind == "image":
        return f'<img src="laurel-asset:{block["asset"]}">'
    return ""


def _block_css(block: dict, selector: str) -> str:
    rules = [f"position: absolute; left: {_pt(block['x'])}; top: {_pt(block['y'])}; width: {_pt(block['w'])}; height: {_pt(block['h'])};"]
    kind = block["kind"]
    if kind in ("text", "field"):
        rules.append(f"font-family: '{block['font']}'; font-size: {_pt(block['size'])}; line-height: 1.2; color: {block['color']}; "
                     f"font-weight: {block['weight']}; text-align: {block['align']};" + (" font-style: italic;" if block.get("style") else ""))
        if block.get("fit"):
            rules.append(f"--laurel-name-width: {_pt(block['w'])}; --laurel-name-lines: 1; --laurel-name-largest: {_pt(block['size'])}; "
                         f"--laurel-name-font: '{block['font']}';")
    elif kind == "line":
        rules.append(f"background-color: {block['color']};")
    elif kind == "box":
        rules.append(f"border: {_pt(block['stroke'])} solid {block['color']};" if block["stroke"] else "")
        rules.append(f"background-color: {block['fill']};" if block["fill"] else "")
    css = f"{selector} {{ {' '.join(rule for rule in rules if rule)} }}\n"
    if kind in ("image", "qr"):
        css += f"{selector} img {{ width: {_pt(block['w'])}; height: {_pt(block['h'])}; }}\n"
    return css


def design_template(design: dict) -> tuple[str, str]:
    """The (html, css) of a certificate template made from `design`, which is cleaned first."""
    design = design_clean(design)
    # Compact ASCII JSON, with "#" escaped, cannot end the {# #} comment early or hold a line break.
    marker = json.dumps(design, ensure_ascii=True, sort_keys=True, separators=(",", ":")).replace("#", "\\u0023")
    html = [f"{{# laurel-design {marker} #}}"]
    css = [CSS_HEAD]
    for number, block in enumerate(design["blocks"], start=1):
        name = f"laurel-block-{number}"
        fitted = ' style="font-size: {{ learner_name_font_size }}pt"' if block.get("fit") else ""
        html.append(f'<div class="{name}"{fitted}>{_block_html(block)}</div>')
        css.append(_block_css(block, f".{name}"))
    return "\n".join(html) + "\n", "".join(css)


def _normalised(source: str) -> str:
    return "\n".join(line.rstrip() for line in (source or "").replace("\r\n", "\n").split("\n")).strip()


def design_read(*, html: str, css: str) -> DesignRead:
    """The design a template was made from, if the designer made it and nobody changed it since; else a note why not."""
    marker = _MARKER.match((html or "").replace("\r\n", "\n").lstrip())
    if marker is None:
        return DesignRead(None, "This template is written in HTML and CSS, not made in the designer, so it opens in the "
                                "code view. Start a new design to place blocks instead (it replaces this code).")
    try:
        design = design_clean(json.loads(marker.group(1)))
        again_html, again_css = design_template(design)
    except (ValueError, DesignRefused):
        return DesignRead(None, "The designer's note at the top of this template is damaged, so it opens in the code view.")
    if (_normalised(again_html), _normalised(again_css)) != (_normalised(html), _normalised(css)):
        return DesignRead(None, "This template was made in the designer and then edited by hand in the code view, "
                                "so the designer cannot show it without losing those edits: it opens in the code view. "
                                "Start a new design to place blocks again (it replaces this code).")
    return DesignRead(design)


def design_page(page_size: str, orientation: str) -> tuple[float, float]:
    """The page's (width, height) in points."""
    width, height = PAGE_POINTS.get(page_size, PAGE_POINTS["A4"])
    return (height, width) if orientation == "landscape" else (width, height)


def design_starter(page_size: str, orientation: str) -> dict:
    """A first design to change: a title, the learner's name, the course, the date, the credential id and the QR code."""
    width, height = design_page(page_size, orientation)
    middle = lambda w: round((width - w) / 2, 1)  # noqa: E731
    text = dict(TEXT_DEFAULTS, align="center")
    blocks = [
        {"kind": "text", "text": "Certificate of Completion", "x": middle(500), "y": round(height * 0.14, 1), "w": 500, "h": 40,
         **dict(text, font="Laurel Serif", size=28, weight="bold")},
        {"kind": "field", "field": "learner_name", "fit": True, "x": middle(500), "y": round(height * 0.36, 1), "w": 500, "h": 48,
         **dict(text, font="Laurel Display", size=34, color="#1f3a5f")},
        {"kind": "line", "x": middle(300), "y": round(height * 0.36 + 54, 1), "w": 300, "h": 1, "color": "#b8893b"},
        {"kind": "field", "field": "course_title", "x": middle(500), "y": round(height * 0.52, 1), "w": 500, "h": 28,
         **dict(text, size=18)},
        {"kind": "field", "field": "completion_date", "x": middle(300), "y": round(height * 0.60, 1), "w": 300, "h": 20, **text},
        {"kind": "field", "field": "credential_id", "x": 40, "y": round(height - 60, 1), "w": 260, "h": 18,
         **dict(TEXT_DEFAULTS, size=9, color="#555555")},
        {"kind": "qr", "x": round(width - 120, 1), "y": round(height - 120, 1), "w": 80, "h": 80},
    ]
    return design_clean({"blocks": blocks})
