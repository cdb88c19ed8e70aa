"""The admin preview: a template rendered for a sample learner, as a PDF and a PNG of page one."""

import io
from dataclasses import dataclass, field
from datetime import timedelta

import pypdfium2
from django.utils import timezone

from courses.models import CertificateTemplate

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


def template_preview(*, template: CertificateTemplate, sample: str) -> Preview:
    name = SAMPLE_NAMES.get(sample, SAMPLE_NAMES["latin"])
    course = template.courses.first() or template.organization.courses.first()
    now = timezone.now()
    fields = {
        "learner_name": name,
        "course_title": course.title if course else "Sample Course",
        "course_code": course.code if course else "SAMPLE-101",
        "credential_id": "0000-0000-0000-SAMPLE",
        "verification_url": f"https://example.org/credentials/{SAMPLE_CREDENTIAL_ID}",
        "completed_at": now - timedelta(days=1),
        "issued_at": now,
        "expires_at": now + timedelta(days=365),
        "score": 92,
    }
    try:
        pdf = template_render_pdf(template=template, fields=fields, title=f"Preview - {name}", subject=fields["course_title"])
    except CertificateTemplateError as exc:
        return Preview(problems=exc.problems)
    except (CertificateRenderError, ValueError) as exc:
        return Preview(problems=[str(exc)])
    return Preview(pdf=pdf)
