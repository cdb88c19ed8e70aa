"""The credential's `renderMethod`: an SVG card template in the organisation's design, served by Laurel, bound by digest.

The form is the one the Learner Credential Wallet reads (W3C VC Rendering Methods,
`SvgRenderingTemplate2023`): `id` is the template's address, which the wallet fetches and fills in
with Handlebars against `{credential}` (so `{{…}}` escapes every value), and `digestMultibase` is
the multihash of its bytes, signed with the credential. The template is made from the certificate
template's page shape and the organisation's colours and logo; it carries no words of its own (no
language to pick) and no learner text: names, dates and titles are placeholders.
"""

import base64
import hashlib
import time

import base58
from django.conf import settings

from courses.models import CertificateTemplate, Course, Organization

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


def digest_multibase(data: bytes) -> str:
    """Multibase base58btc of the sha2-256 multihash (0x12, 32 bytes), as the render method spec asks."""
    return "z" + base58.b58encode(b"\x12\x20" + hashlib.sha256(data).digest()).decode("ascii")


def _logo_data_uri(organization: Organization) -> str:
    if not organization.logo:
        return ""
    kind = LOGO_TYPES.get("." + organization.logo.name.rsplit(".", 1)[-1].lower())
    try:
        if kind is None or organization.logo.size > LOGO_MAX_BYTES:
            return ""
        with organization.logo.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:  # the file is gone from storage: the card goes without it
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}" if len(data) <= LOGO_MAX_BYTES else ""


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
    svg = card_template_svg(
        organization=course.organization,
        page_size=template.page_size if template else CertificateTemplate.PageSize.A4,
        orientation=template.orientation if template else CertificateTemplate.Orientation.LANDSCAPE,
    )
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
