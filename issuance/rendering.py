"""The walking skeleton's certificate: the course's template through Django's engine, then xhtml2pdf.

The sandboxed renderer in `issuance/certificates/` replaces `render_certificate_pdf`; the pipeline
only needs bytes back.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from xhtml2pdf import pisa

from courses.models import CertificateTemplate, Course

from .errors import StepFailed
from .models import Credential

PAGE = '<html><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


def certificate_template_for(course: Course) -> CertificateTemplate:
    template = course.certificate_template or course.organization.certificate_templates.order_by("pk").first()
    if template is None:
        raise StepFailed(f"{course.organization} has no certificate template; add one in the admin.", permanent=True)
    return template


def credential_public_url(credential: Credential) -> str:
    return f"{settings.LAUREL_BASE_URL}/credentials/{credential.pk}"


def certificate_context(credential: Credential) -> dict:
    issuance = credential.issuance
    organization = issuance.organization
    zone = ZoneInfo(organization.timezone)

    def day(moment):
        return moment.astimezone(zone).strftime("%-d %B %Y") if moment else ""

    completed = issuance.completion.get("completed_at")
    return {
        "organization_name": organization.name,
        "learner_name": issuance.learner_name,
        "course_title": issuance.course.title,
        "course_code": issuance.course.code,
        "achievement_name": credential.achievement.name,
        "completion_date": day(datetime.fromisoformat(completed) if completed else credential.valid_from),
        "issue_date": day(credential.issued_at),
        "expiry_date": day(credential.valid_until),
        "verification_url": credential_public_url(credential),
        "credential_id": str(credential.pk),
        "primary_color": organization.primary_color,
        "accent_color": organization.accent_color,
    }


def _refuse_resources(uri, rel):
    # The skeleton loads nothing from outside the document: no files, no URLs.
    return ""


def render_certificate_pdf(credential: Credential) -> bytes:
    """The certificate as PDF bytes. Merge fields are autoescaped, so learner text stays text."""
    template = certificate_template_for(credential.issuance.course)
    context = Context(certificate_context(credential))
    html = PAGE.format(css=Template(template.css).render(context), body=Template(template.html).render(context))
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_refuse_resources)
    if result.err:
        raise StepFailed(f"The certificate template could not be rendered ({result.err} errors).", permanent=True)
    return out.getvalue()
