"""The credential's `renderMethod`: an SVG card template in the organisation's design, served by Laurel, bound by digest.

The form is the one the Learner Credential Wallet reads (W3C VC Rendering Methods,
`SvgRenderingTemplate2023`): `id` is the template's address, which the wallet fetches and fills in
with Handlebars against `{credential}` (so `{{…}}` escapes every value), and `digestMultibase` is
the multihash of its bytes, signed with the credential. A certificate made in the designer gives the
card its own layout: every block where the certificate has it, its merge fields as the credential's
placeholders. Any other template gives a card in its page shape and the organisation's colours and logo,
with no words of its own (no language to pick). Neither carries learner text: names, dates and titles
are placeholders.
"""

import base64
import hashlib
import time
from html import escape

import base58
from django.conf import settings

from courses.models import CertificateAsset, CertificateTemplate, Course, Organization
from courses.templating.certificate_design import ORGANIZATION_LOGO, design_page, design_read

from ..models import RenderTemplate
from .credential import RENDER_METHOD_TYPE

LOGO_MAX_BYTES = 256 * 1024  # a bigger logo is left out rather than swell every wallet's copy
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".webp": "image/webp", ".svg": "image/svg+xml"}
# Page shapes in CSS pixels (96 per inch).
PAGES = {"A4": (1123, 794), "letter": (1056, 816)}

# What the wallet fills in (Handlebars, against {credential}). The learner's name is the identifier
# that is not hashed (the other is the hashed email).
ISSUER = "{{credential.issuer.name}}"
ACHIEVEMENT = "{{credential.credentialSubject.achievement.name}}"
LEARNER = "{{#each credential.credentialSubject.identifier}}{{#unless hashed}}{{identityHash}}{{/unless}}{{/each}}"
DATES = "{{credential.validFrom}}{{#if credential.validUntil}} \u2013 {{credential.validUntil}}{{/if}}"
CREDENTIAL_ID = "{{credential.id}}"
# A designed certificate's merge fields as the credential carries them. The completion date and the course code
# are not in the credential, so their blocks are left off the card.
DESIGN_FIELDS = {
    "learner_name": LEARNER,
    "course_title": ACHIEVEMENT,
    "achievement_name": ACHIEVEMENT,
    "achievement_description": "{{credential.credentialSubject.achievement.description}}",
    "organization_name": ISSUER,
    "issue_date": "{{credential.validFrom}}",
    "expiry_date": "{{credential.validUntil}}",
    "score": "{{#each credential.credentialSubject.result}}{{value}}{{/each}}",
    "score_percent": "{{#each credential.credentialSubject.result}}{{value}}{{/each}}",
    "credential_id": CREDENTIAL_ID,
    "verification_url": CREDENTIAL_ID,
}
# The designer's fonts are Laurel's own, which a wallet does not have: the nearest of its kind.
DESIGN_FONTS = {"Laurel Display": "Georgia, 'DejaVu Serif', serif", "Laurel Serif": "Georgia, 'DejaVu Serif', serif",
                "Laurel Sans": "'DejaVu Sans', 'Noto Sans', Arial, sans-serif"}
ANCHORS = {"left": ("start", 0.0), "center": ("middle", 0.5), "right": ("end", 1.0)}


def digest_multibase(data: bytes) -> str:
    """Multibase base58btc of the sha2-256 multihash (0x12, 32 bytes), as the render method spec asks."""
    return "z" + base58.b58encode(b"\x12\x20" + hashlib.sha256(data).digest()).decode("ascii")


def _image_data_uri(image) -> str:
    """A stored image file as a data: URI, or "" when it is missing, too big or not an image a card may hold."""
    if not image:
        return ""
    kind = LOGO_TYPES.get("." + image.name.rsplit(".", 1)[-1].lower())
    try:
        if kind is None or image.size > LOGO_MAX_BYTES:
            return ""
        with image.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:  # the file is gone from storage: the card goes without it
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}" if len(data) <= LOGO_MAX_BYTES else ""


def _logo_data_uri(organization: Organization) -> str:
    return _image_data_uri(organization.logo)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _staff_text(text: str) -> str:
    """Staff's fixed words as SVG text the wallet's Handlebars leaves alone: escaped, braces as character references."""
    return escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")


def _design_text(block: dict) -> str:
    """A text or merge-field block as <text>, placed as the certificate's CSS box places it (line height 1.2)."""
    if block["kind"] == "field":
        lines = [DESIGN_FIELDS[block["field"]]]
    else:
        lines = [_staff_text(line) for line in block["text"].splitlines()] or [""]
    anchor, share = ANCHORS[block["align"]]
    x, size = block["x"] + block["w"] * share, block["size"]
    first = block["y"] + 0.1 * size + 0.8 * size  # the half-leading above, then the ascent
    spans = "".join(f'<tspan x="{_number(x)}" y="{_number(first + 1.2 * size * n)}">{line}</tspan>' for n, line in enumerate(lines))
    return (f'<text font-family="{DESIGN_FONTS[block["font"]]}" font-size="{_number(size)}" fill="{block["color"]}" '
            f'font-weight="{block["weight"]}" text-anchor="{anchor}">{spans}</text>')


def _design_block(block: dict, images: dict[str, str]) -> str:
    box = f'x="{_number(block["x"])}" y="{_number(block["y"])}" width="{_number(block["w"])}" height="{_number(block["h"])}"'
    kind = block["kind"]
    if kind == "text" or (kind == "field" and block["field"] in DESIGN_FIELDS):
        return _design_text(block)
    if kind == "image" and images.get(block["asset"]):
        return f'<image href="{images[block["asset"]]}" {box} preserveAspectRatio="xMidYMid meet"/>'
    if kind == "line":
        return f'<rect {box} fill="{block["color"]}"/>'
    if kind == "box":
        stroke = f'stroke="{block["color"]}" stroke-width="{_number(block["stroke"])}"' if block["stroke"] else 'stroke="none"'
        return f'<rect {box} fill="{block["fill"] or "none"}" {stroke}/>'
    return ""  # the QR code (the wallet shows the credential itself), a field the credential lacks, a missing image


def designed_card_svg(*, organization: Organization, design: dict, page_size: str, orientation: str) -> str:
    """The card in the designed certificate's own layout, drawn in the certificate's points (CSS pixels outside)."""
    width, height = design_page(page_size, orientation)
    named = {block["asset"] for block in design["blocks"] if block["kind"] == "image"} - {ORGANIZATION_LOGO}
    images = {ORGANIZATION_LOGO: _logo_data_uri(organization)}
    if named:
        images.update((asset.name, _image_data_uri(asset.file))
                      for asset in CertificateAsset.objects.filter(organization=organization, name__in=named))
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {_number(width)} {_number(height)}" width="{round(width * 4 / 3)}" height="{round(height * 4 / 3)}">',
        f'<rect width="{_number(width)}" height="{_number(height)}" fill="#FFFFFF"/>',
        *(_design_block(block, images) for block in design["blocks"]),
        "</svg>",
    ]
    return "".join(part + "\n" for part in parts if part)


def card_template_svg(*, organization: Organization, page_size: str, orientation: str) -> str:
    """The SVG template, in the certificate template's page shape and the organisation's design.

    Colours are validated hex on the organisation, the logo is embedded (no request leaves the wallet).
    """
    width, height = PAGES.get(page_size, PAGES["A4"])
    if orientation == CertificateTemplate.Orientation.PORTRAIT:
        width, height = height, width
    primary, accent, mid = organization.primary_color, organization.accent_color, width // 2
    logo = _logo_data_uri(organization)
    scale = min(width, height) / 794
    y = [round(height * f) for f in (0.30, 0.46, 0.60, 0.84, 0.90)]
    logo_element = (f'<image href="{logo}" x="{mid - 120}" y="{round(height * 0.08)}" width="240" '
                    f'height="{round(height * 0.13)}" preserveAspectRatio="xMidYMid meet"/>') if logo else ""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>',
        f'<rect x="18" y="18" width="{width - 36}" height="{height - 36}" fill="none" stroke="{primary}" stroke-width="10"/>',
        f'<rect x="38" y="38" width="{width - 76}" height="{height - 76}" fill="none" stroke="{accent}" stroke-width="2"/>',
        logo_element,
        '<g font-family="\'DejaVu Sans\', \'Noto Sans\', Arial, sans-serif" text-anchor="middle">',
        f'<text x="{mid}" y="{y[0]}" font-size="{round(26 * scale)}" fill="{primary}" letter-spacing="2">{ISSUER}</text>',
        f'<text x="{mid}" y="{y[1]}" font-size="{round(44 * scale)}" font-weight="bold" fill="#1A1A1A">{ACHIEVEMENT}</text>',
        f'<text x="{mid}" y="{y[2]}" font-size="{round(36 * scale)}" font-style="italic" fill="{primary}">{LEARNER}</text>',
        f'<rect x="{mid - 160}" y="{y[2] + 22}" width="320" height="3" fill="{accent}"/>',
        f'<text x="{mid}" y="{y[3]}" font-size="{round(18 * scale)}" fill="#333333">{DATES}</text>',
        f'<text x="{mid}" y="{y[4]}" font-size="{round(12 * scale)}" fill="#666666">{CREDENTIAL_ID}</text>',
        "</g>",
        "</svg>",
    ]
    return "".join(part + "\n" for part in parts if part)


def _course_template(course: Course) -> CertificateTemplate | None:
    """The course's certificate template, or the organisation's first, as the certificate renderer picks it."""
    if course.certificate_template_id:
        return course.certificate_template
    return course.organization.certificate_templates.order_by("name").first()


def render_template_for(*, course: Course) -> tuple[RenderTemplate, bool]:
    """The stored template for this course's design now (the same row for the same bytes), and whether it is new."""
    template = _course_template(course)
    shape = {"page_size": template.page_size if template else CertificateTemplate.PageSize.A4,
             "orientation": template.orientation if template else CertificateTemplate.Orientation.LANDSCAPE}
    design = design_read(html=template.html, css=template.css).design if template else None
    if design is not None:
        svg = designed_card_svg(organization=course.organization, design=design, **shape)
    else:
        svg = card_template_svg(organization=course.organization, **shape)
    sha256 = hashlib.sha256(svg.encode("utf-8")).hexdigest()
    return RenderTemplate.objects.get_or_create(sha256=sha256, defaults={"svg": svg})


def render_template_url(*, sha256: str) -> str:
    return f"{settings.LAUREL_BASE_URL}/render-templates/{sha256}.svg"


# The entries this process made lately, by what they are made of: every credential of a design would otherwise read
# its template, its organisation's logo file and the stored row again (2-3 statements and a file read each). A change
# of colours, logo or template shows within CARD_CACHE_SECONDS. Only a row this call found already stored is
# remembered: one it has just made may still be rolled back with the step, and an entry must never name a row that
# is not there (so a design's cards are built twice, then read from here).
CARD_CACHE_SECONDS = 60
_cards: dict[tuple, tuple[float, dict]] = {}


def render_method_build(*, course: Course, organization: Organization | None = None) -> dict:
    """The renderMethod entry for a credential of this course: its template's address, type and digest
    (`organization`: the course's, when the caller has it loaded already)."""
    organization = organization or course.organization
    key = (organization.pk, organization.primary_color, organization.accent_color, organization.logo.name or "",
           course.certificate_template_id)
    now = time.monotonic()
    cached = _cards.get(key)
    if cached is not None and cached[0] > now:
        return dict(cached[1])
    stored, created = render_template_for(course=course)
    entry = {"id": render_template_url(sha256=stored.sha256), "type": RENDER_METHOD_TYPE,
             "digestMultibase": digest_multibase(stored.svg.encode("utf-8"))}
    if not created:
        if len(_cards) > 1000:  # one entry per design in use: a bound, not an expectation
            _cards.clear()
        _cards[key] = (now + CARD_CACHE_SECONDS, entry)
    return dict(entry)
