"""The one helper that turns an EmailTemplate and plain data into a branded subject, text and HTML."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from courses.models import EmailTemplate, Organization
from courses.templating.languages import language_direction
from courses.templating.learner_text import learner_text_block, learner_text_line

from courses.templating.sandbox import TemplateRefused, sandbox_render
from courses.templating.email_fields import email_fields
from courses.templating.field_names import with_aliases

MAX_TEMPLATE_CHARS = 100_000
MAX_SUBJECT_CHARS = 250
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_PLAIN_SCALARS = (str, int, float, Decimal, bool, type(None))


class EmailTemplateError(ValueError):
    """A staff template that cannot be rendered; says which part and why."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _plain(value, where: str):
    """Only strings, numbers, dates, lists and dicts reach a staff template: never objects with methods."""
    if isinstance(value, str):
        return learner_text_block(value)
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {str(key): _plain(item, f"{where}.{key}") for key, item in value.items()}
    raise TypeError(f"Email context value {where} must be plain data, not {type(value).__name__}.")


def organization_brand(*, organization: Organization) -> dict:
    """The organisation's name, logo URL and colours, as every email template may use them."""
    logo_url = ""
    if organization.logo:
        logo_url = organization.logo.url
        if not logo_url.startswith(("http://", "https://")):
            logo_url = f"{settings.LAUREL_BASE_URL}/{logo_url.lstrip('/')}"
    return {
        "organization_name": organization.name,
        "organization_website": organization.website,
        "logo_url": logo_url,
        "primary_color": organization.primary_color if _HEX_COLOR.match(organization.primary_color or "") else "#1F3A5F",
        "accent_color": organization.accent_color if _HEX_COLOR.match(organization.accent_color or "") else "#B8893B",
    }


def _render_part(source: str, context: dict, *, part: str, template: EmailTemplate, autoescape: bool) -> str:
    # The same sandbox as certificates: only the allowed tags, filters and this kind's fields.
    if len(source) > MAX_TEMPLATE_CHARS:
        raise EmailTemplateError(f"The {part} of '{template.name}' is {len(source)} characters; the limit is {MAX_TEMPLATE_CHARS}.")
    try:
        return sandbox_render(source, context, fields=email_fields(template.kind), autoescape=autoescape)
    except TemplateRefused as exc:
        raise EmailTemplateError(f"The {part} of '{template.name}' cannot be used: {'; '.join(exc.problems)}") from exc


def _text_layout(body: str, layout: dict) -> str:
    """The text part reads well alone: the body, then a signature block like a person would write."""
    # Templates leave blank lines where {% if %} blocks were; more than one in a row reads as a gap.
    lines = [line.rstrip() for line in body.strip().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    footer = [layout["organization_name"], layout["organization_website"], layout["footer_note"]]
    if layout["unsubscribe_url"]:
        footer.append(gettext("Stop news and invitations: %(url)s") % {"url": layout["unsubscribe_url"]})
    return text + "\n\n-- \n" + "\n".join(line for line in footer if line) + "\n"


def email_render(*, template: EmailTemplate, context: dict, footer_note: str = "", unsubscribe_url: str = "") -> RenderedEmail:
    """Subject (one line), text (no escaping: it is not markup) and HTML (escaped, in the branded layout)."""
    data = with_aliases({**organization_brand(organization=template.organization), **_plain(dict(context), "context")})
    subject = learner_text_line(_render_part(template.subject, data, part="subject", template=template, autoescape=False))
    text_body = _render_part(template.text_body, data, part="text", template=template, autoescape=False)
    html_body = _render_part(template.html_body, data, part="HTML", template=template, autoescape=True)
    language = get_language() or "en"  # the caller's translation.override: the learner's language
    layout = {**data, "subject": subject, "footer_note": footer_note, "unsubscribe_url": unsubscribe_url,
              "language": language, "direction": language_direction(language)}
    return RenderedEmail(
        subject=subject[:MAX_SUBJECT_CHARS],
        text=_text_layout(text_body, layout),
        # The body was rendered with autoescape on: learner text in it is already escaped.
        html=render_to_string("laurel/email/layout.html",
                              {**layout, "content": mark_safe(html_body)}),  # nosec B308 B703: autoescaped, above
    )
