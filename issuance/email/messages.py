"""The walking skeleton's emails, sent through Django's configured email backend.

The outbox replaces `deliver_credential_email`; the pipeline only needs it to send once or raise.
"""

import hashlib
import smtplib
from email.utils import formataddr

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context, Template

from courses.defaults import DEFAULT_EMAIL_NAMES, _read
from courses.models import EmailTemplate, Organization

from ..errors import StepFailed
from ..models import Credential, Issuance
from ..rendering import credential_public_url


def email_template_for(*, organization: Organization, kind: str, chosen: EmailTemplate | None = None) -> EmailTemplate:
    """The course's choice, else the organisation's first of that kind, else the one Laurel ships."""
    template = chosen or organization.email_templates.filter(kind=kind).order_by("pk").first()
    if template is not None:
        return template
    return EmailTemplate(
        organization=organization, kind=kind, name=DEFAULT_EMAIL_NAMES[kind],
        subject=_read(f"email/{kind}.subject.txt").strip(), text_body=_read(f"email/{kind}.txt"),
        html_body=_read(f"email/{kind}.html"),
    )


def email_render(*, template: EmailTemplate, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML. Only the HTML part escapes: a name like O'Brien stays as typed in text."""
    plain = Context(context, autoescape=False)
    subject = " ".join(Template(template.subject).render(plain).split())  # no CR/LF reaches a header
    return subject, Template(template.text_body).render(plain), Template(template.html_body).render(Context(context))


def _message_id(key: str, organization: Organization) -> str:
    # One Message-ID per effect key: a resend after a crash is recognisably the same message.
    domain = organization.sender_email.rpartition("@")[2] or "laurel.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _send(*, organization: Organization, to: str, key: str, rendered, attachments=()) -> str:
    subject, text, html = rendered
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=formataddr((organization.sender_name, organization.sender_email)),
        to=[to], reply_to=[organization.reply_to] if organization.reply_to else None,
        headers={"Message-ID": _message_id(key, organization)}, connection=get_connection(),
    )
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise StepFailed(f"The mail server refused {to}: {exc.recipients}", permanent=all(c >= 500 for c in codes)) from exc
    except smtplib.SMTPResponseException as exc:
        raise StepFailed(f"The mail server answered {exc.smtp_code}: {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise StepFailed(f"The mail server could not be reached: {exc}", permanent=False) from exc
    return f"accepted for {to}, Message-ID {message.extra_headers['Message-ID']}"


def deliver_credential_email(*, credential: Credential, key: str) -> str:
    """Email the learner their certificate, PDF attached. Returns what the transport said."""
    issuance = credential.issuance
    course = issuance.course
    template = email_template_for(organization=issuance.organization, kind=EmailTemplate.Kind.CREDENTIAL, chosen=course.email_template)
    context = {
        "learner_name": issuance.learner_name, "course_title": course.title,
        "organization_name": issuance.organization.name, "credential_url": credential_public_url(credential),
        "linkedin_url": "", "next_course_title": course.next_course.title if course.next_course else "",
    }
    credential.pdf.open("rb")
    try:
        pdf = credential.pdf.read()
    finally:
        credential.pdf.close()
    return _send(
        organization=issuance.organization, to=issuance.learner.email, key=key,
        rendered=email_render(template=template, context=context),
        attachments=[(f"certificate-{course.code}.pdf", pdf, "application/pdf")],
    )


def send_still_needed_email(*, issuance: Issuance, key: str) -> str:
    """Tell an ineligible learner, in their terms, what they still need."""
    template = email_template_for(organization=issuance.organization, kind=EmailTemplate.Kind.STILL_NEEDED)
    context = {
        "learner_name": issuance.learner_name, "course_title": issuance.course.title,
        "organization_name": issuance.organization.name, "reasons": issuance.reasons,
    }
    return _send(organization=issuance.organization, to=issuance.learner.email, key=key,
                 rendered=email_render(template=template, context=context))


def send_parked_notice(*, issuance: Issuance, key: str, admin_url: str) -> str:
    """Tell the organisation's staff that an issuance needs a person (the digest batches these later)."""
    template = email_template_for(organization=issuance.organization, kind=EmailTemplate.Kind.STAFF_DIGEST)
    item = {"summary": f"{issuance.learner_name} — {issuance.course.code} parked at {issuance.failed_step}", "error": issuance.error}
    context = {"count": 1, "items": [item], "organization_name": issuance.organization.name, "queue_url": admin_url}
    return _send(organization=issuance.organization, to=issuance.organization.notification_email, key=key,
                 rendered=email_render(template=template, context=context))
