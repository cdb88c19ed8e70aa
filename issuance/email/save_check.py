"""Whether an email template will render and loads nothing from elsewhere, checked when staff save it."""

from django.conf import settings

from courses.templating.email_fields import email_fields
from courses.templating.sandbox import TemplateRefused, sandbox_render

from ..certificates.references import html_references
from .render import _plain

PARTS = (("subject", False), ("text_body", False), ("html_body", True))
_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")


def _sample(fields: dict) -> dict:
    """A long value for every field, URLs on our own site, two items for every list field."""
    base = settings.LAUREL_BASE_URL.rstrip("/")
    context = {}
    for name, keys in fields.items():
        if keys is not None:
            item = {key: _sample_value(key, base) for key in keys} if keys else "Sample item " * 4
            context[name] = [item, item]
        elif _is_url(name):
            context[name] = f"{base}/sample/{name}"
        else:
            context[name] = ("Alexandra Konstantina Wilhelmina Maximiliana von Hohenberg-Sigmaringen " * 2).strip()
    return context


def _is_url(name: str) -> bool:
    return name == "url" or name.endswith(("_url", "_website"))


def _sample_value(key: str, base: str) -> str:
    """A list item's field: a link on our own site when it names one (a platform's claim `url`), else long text."""
    return f"{base}/sample/{key}" if _is_url(key) else f"Sample {key} " * 4


def email_reference_problem(where: str, reference: str, *, is_link: bool) -> str | None:
    own = settings.LAUREL_BASE_URL.rstrip("/") + "/"
    lowered = reference.lower()
    if is_link:
        return None if lowered.startswith(_LINK_SCHEMES) or reference.startswith(own) else (
            f"{where}: {reference[:120]!r} is not a web or mailto link")
    if reference.startswith(own):
        return None
    return (f"{where}: {reference[:120]!r}: emails load nothing from other sites (it would tell that site when each "
            "learner opens the mail); use {{ logo_url }} or an image on this site, or link to it instead")


def email_template_save_problems(*, email_kind: str, parts: dict[str, str]) -> dict[str, list[str]]:
    """Problems by part: what the sandbox refuses when rendering a sample, and outside resources in the HTML."""
    fields = email_fields(email_kind)
    context = _plain(_sample(fields), "sample")
    problems: dict[str, list[str]] = {}
    for part, escaped in PARTS:
        try:
            output = sandbox_render(parts.get(part) or "", context, fields=fields, autoescape=escaped)
        except TemplateRefused as refused:
            problems[part] = refused.problems
            continue
        if part == "html_body":
            found = [email_reference_problem(where, ref, is_link=link) for where, ref, link in html_references(output)]
            if any(found):
                problems[part] = [problem for problem in found if problem]
    return problems
