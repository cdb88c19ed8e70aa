"""The admin preview: a template rendered for a sample learner, as a PDF and a PNG of page one."""

import io
from dataclasses import dataclass, field
from datetime import timedelta

import pypdfium2
from django.utils import timezone

from courses.models import CertificateTemplate, achievement_text_in

from .credential_certificate import template_render_pdf
from .render import CertificateRenderError, CertificateTemplateError
from .samples import SAMPLE_NAMES

SAMPLE_CREDENTIAL_ID = "00000000-0000-4000-8000-000000000000"


@dataclass
class Preview:
    pdf: bytes | None = None
    problems: list[str] = field(default_factory=list)

    def png(self, *, width: int = 1100) -> bytes:
        document = pypdfium2.PdfDocument(self.pdf)
        try:
            page = document[0]
            scale = width / page.get_width()
            image = page.render(scale=scale).to_pil()
        finally:
            document.close()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def template_preview(*, template: CertificateTemplate, sample: str, language: str = "") -> Preview:
    """`language`: the sample learner's (Laurel's words, the dates and the achievement's text in it); empty, the
    organisation's."""
    name = SAMPLE_NAMES.get(sample, SAMPLE_NAMES["latin"])
    course = template.courses.select_related("achievement").first() or template.organization.courses.select_related("achievement").first()
    now = timezone.now()
    completed_at = now - timedelta(days=1)
    achievement = getattr(course, "achievement", None)
    achievement_name, achievement_description, _ = (
        achievement_text_in(achievement=achievement, language=language) if achievement else ("Sample Achievement", "", ""))
    fields = {
        "learner_name": name,
        "course_title": course.title if course else "Sample Course",
        "course_code": course.code if course else "SAMPLE-101",
        "achievement_name": achievement_name,
        "achievement_description": achievement_description,
        "credential_id": "0000-0000-0000-SAMPLE",
        "verification_url": f"https://example.org/credentials/{SAMPLE_CREDENTIAL_ID}",
        "completed_at": completed_at,
        "issued_at": now,
        "expires_at": _sample_expiry(course, completed_at=completed_at, issued_at=now),
        "score": 92,
    }
    try:
        pdf = template_render_pdf(template=template, fields=fields, title=f"Preview - {name}", subject=fields["course_title"],
                                  language=language)
    except CertificateTemplateError as exc:
        return Preview(problems=exc.problems)
    except (CertificateRenderError, ValueError) as exc:
        return Preview(problems=[str(exc)])
    return Preview(pdf=pdf)


def _sample_expiry(course, *, completed_at, issued_at):
    """The end a credential from this course would have (none for one that never expires), as real ones get it;
    a template no course uses yet shows a year's validity so its expiry field is seen."""
    achievement = getattr(course, "achievement", None)
    if achievement is None:
        return issued_at + timedelta(days=365)
    return achievement.valid_until(achievement.validity_start(completed_at=completed_at, issued_at=issued_at))
