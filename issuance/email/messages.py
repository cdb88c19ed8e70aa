"""Builds each email Laurel sends, from the catalogue's templates and the issuance, ready for the outbox.

Composing only reads and renders: links that need a row written first (a wallet offer) or the outbound
wing's rows read (badge platforms' claim pages) are gathered by delivery and passed in."""

import dataclasses
from datetime import date, datetime
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.core.mail import make_msgid
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from courses.catalogue_cache import catalogue_cached
from courses.defaults import DEFAULT_EMAIL_NAMES, DEFAULTS_DIR
from courses.models import EmailTemplate, Organization, achievement_text_in, email_template_in
from courses.templating.languages import formatting_locale
from courses.templating.learner_text import learner_text_line

from ..certificates.merge_fields import format_day
from ..credentials import certificate_filename, credential_url
from ..idempotency_keys import credential_copy_key, credential_email_key, invitation_email_key, still_needed_email_key
from ..models import Credential, Issuance, OutboxMessage
from .draft import EmailDraft
from .render import RenderedEmail, email_render
from .unsubscribe import unsubscribe_headers

def email_template_for(*, organization: Organization, kind: str, chosen: EmailTemplate | None = None,
                       language: str = "") -> EmailTemplate:
    """The course's choice, else the organisation's first of that kind, else the one Laurel ships; in its
    version for `language` (the learner's) when staff wrote one, else as written."""
    if chosen is not None:
        return email_template_in(template=chosen, language=language)
    # The organisation's own, in the learner's language: read once per process and catalogue version.
    template = catalogue_cached(organization=organization, name="email-template", key=(kind, language), read=lambda: _variant_or_none(
        organization.email_templates.filter(kind=kind).order_by("pk").first(), language))
    if template is not None:
        return template

    def read(suffix: str) -> str:
        return (DEFAULTS_DIR / "email" / f"{kind}{suffix}").read_text(encoding="utf-8")

    return EmailTemplate(organization=organization, kind=kind, name=DEFAULT_EMAIL_NAMES[kind],
                         subject=read(".subject.txt").strip(), text_body=read(".txt"), html_body=read(".html"))


def _variant_or_none(template: EmailTemplate | None, language: str) -> EmailTemplate | None:
    return email_template_in(template=template, language=language) if template is not None else None


def _sender(organization: Organization, *, to_staff: bool = False) -> dict:
    """From, Reply-To and the headers every email from this organisation carries.

    Staff mail (the digest) carries no unsubscribe link or header: staff are not subscribers, and
    the learners' opt-out address would be the wrong place for them to write to.
    """
    address = organization.reply_to or organization.sender_email
    domain = organization.sender_email.rpartition("@")[2] or None
    headers = {"Message-ID": make_msgid(domain=domain), "Auto-Submitted": "auto-generated"}
    if not to_staff:
        # One address reaches a person; the essential email itself is not a subscription. `_draft`
        # adds the one-click https address, which names the recipient.
        headers["List-Unsubscribe"] = f"<mailto:{address}?subject=unsubscribe>"
    return {
        "from_email": formataddr((learner_text_line(organization.sender_name or organization.name), organization.sender_email)),
        "reply_to": organization.reply_to,
        "headers": headers,
        "unsubscribe_url": "" if to_staff else f"mailto:{address}?subject=unsubscribe",
    }


def _draft(*, organization: Organization, template: EmailTemplate, context: dict, kind: str, key: str,
           recipient: str, recipient_name: str = "", issuance: Issuance | None = None, attachments=(),
           footer_note: str = "", to_staff: bool = False, language: str = "") -> EmailDraft:
    """`language`: the learner's, in which Laurel's own text is written and which Content-Language names."""
    sender = _sender(organization, to_staff=to_staff)
    with translation.override(language or "en"):
        rendered: RenderedEmail = email_render(template=template, context=context, footer_note=footer_note,
                                               unsubscribe_url=sender["unsubscribe_url"])
    headers = dict(sender["headers"])
    if language:
        headers["Content-Language"] = language
    if "List-Unsubscribe" in headers:  # wherever List-Unsubscribe goes, RFC 8058's one-click goes too
        headers.update(unsubscribe_headers(organization_id=organization.pk, address=recipient,
                                           mailto=sender["unsubscribe_url"]))
    return EmailDraft(
        organization=organization, issuance=issuance, kind=kind, idempotency_key=key, recipient=recipient,
        recipient_name=learner_text_line(recipient_name), from_email=sender["from_email"], reply_to=sender["reply_to"],
        headers=headers, subject=rendered.subject, text_body=rendered.text, html_body=rendered.html,
        attachments=list(attachments),
    )


def _local(moment: datetime | None, organization: Organization) -> datetime | None:
    return moment.astimezone(ZoneInfo(organization.timezone)) if moment else None


def _day(moment: datetime | date | None, *, organization: Organization, language: str) -> str:
    """A long date where the organisation is, written as the learner's language writes dates."""
    if moment is None:
        return ""
    if language.split("-")[0] == "en":  # as English emails always read: "5 January 2026"
        day = _local(moment, organization) if isinstance(moment, datetime) else moment
        return f"{day:%-d %B %Y}"
    return format_day(moment, locale=formatting_locale(language=language, organization_locale=organization.locale),
                      timezone=organization.timezone)


def _achievement_text(*, issuance: Issuance, credential: Credential) -> dict[str, str]:
    """`achievement_name` and `achievement_description` in the learner's language when the achievement has them
    there, else as written: what their Open Badges credential and certificate say (courses.models.achievement_text_in)."""
    # Whichever of the two was loaded with its achievement (the worker loads the issuance's, the reminders the
    # credential's), so the achievement is not read again.
    achievement = credential._state.fields_cache.get("achievement")
    if achievement is None:
        achievement = issuance.achievement if credential.achievement_id == issuance.achievement_id else credential.achievement
    name, description, _ = achievement_text_in(achievement=achievement, language=issuance.language)
    return {"achievement_name": name, "achievement_description": description}


def _in(language: str, message: str, **values) -> str:
    """One whole sentence of Laurel's, translated into `language`, its values put in by name (never concatenated)."""
    with translation.override(language or "en"):
        return gettext(message) % values


def credential_email_draft(*, issuance: Issuance, credential: Credential, wallet_url: str,
                           platform_links: list[dict]) -> EmailDraft:
    """The learner's certificate email: PDF attached, credential page, LinkedIn, badge and next course.

    `wallet_url` (the learner's wallet page, "" for none) and `platform_links` (the badge platforms that
    took the credential) come from delivery (`credential_email_links`), so drafting writes no rows."""
    organization, course = issuance.organization, issuance.course
    learner_name = learner_text_line(issuance.learner_name)
    url = credential_url(credential_id=credential.pk)
    language = issuance.language
    issued, expires = _local(credential.issued_at, organization), _local(credential.valid_until, organization)
    next_course = course.next_course if course.next_course_id and course.next_course.is_active else None
    context = {
        "learner_name": learner_name, "course_title": course.title,
        **_achievement_text(issuance=issuance, credential=credential),
        "credential_id": str(credential.pk), "credential_url": url,
        "badge_url": f"{url}.json" if credential.badge else "",
        "issue_date": _day(issued, organization=organization, language=language),
        "expiry_date": _day(expires, organization=organization, language=language),
        # Through Laurel, which counts the click and sends the learner on to LinkedIn's form filled from the
        # credential (public/linkedin.py); a credential revoked since the email was sent is not added.
        "linkedin_url": credential_url(credential_id=credential.pk, suffix="/linkedin"),
        "next_course_title": next_course.title if next_course else "",
        "next_course_description": next_course.description if next_course else "",
        "wallet_url": wallet_url,
        # Badge platforms that took the credential in step 5 (Credly's claim page, Accredible's page).
        "platform_links": platform_links,
    }
    attachments = []
    if credential.pdf:
        attachments.append({"path": credential.pdf.name, "mimetype": "application/pdf",
                            "filename": certificate_filename(course_title=course.title, learner_name=learner_name)})
    context["certificate_filename"] = attachments[0]["filename"] if attachments else ""
    return _draft(
        organization=organization, issuance=issuance, kind=OutboxMessage.Kind.CREDENTIAL,
        key=credential_email_key(credential_id=credential.pk), recipient=issuance.learner.email, recipient_name=learner_name,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL, chosen=course.email_template,
                                    language=language),
        context=context, attachments=attachments, language=language,
        footer_note=_in(language, gettext_noop("You are receiving this because you completed %(course)s with %(organization)s."),
                        course=learner_text_line(course.title), organization=organization.name),
    )


def credential_copy_email_draft(*, issuance: Issuance, credential: Credential, recipient: str, to_manager: bool,
                                attach_pdf: bool) -> EmailDraft:
    """A copy of the news for someone else (the learner's manager, HR): its own template, the PDF only if configured.

    It carries no wallet or LinkedIn link: those are the learner's alone."""
    organization, course = issuance.organization, issuance.course
    learner_name = learner_text_line(issuance.learner_name)
    language = issuance.language
    attachments = []
    if attach_pdf and credential.pdf:
        attachments.append({"path": credential.pdf.name, "mimetype": "application/pdf",
                            "filename": certificate_filename(course_title=course.title, learner_name=learner_name)})
    context = {
        "learner_name": learner_name, "course_title": course.title,
        **_achievement_text(issuance=issuance, credential=credential),
        "credential_id": str(credential.pk), "credential_url": credential_url(credential_id=credential.pk),
        "issue_date": _day(credential.issued_at, organization=organization, language=language),
        "expiry_date": _day(credential.valid_until, organization=organization, language=language),
        "certificate_filename": attachments[0]["filename"] if attachments else "", "to_manager": to_manager,
    }
    # In the credential's language, the only one Laurel knows around this learner: the copy's template
    # version for it, Laurel's words and dates, Content-Language.
    why = (gettext_noop("You are receiving this because you are named as %(learner)s's manager in their course record.")
           if to_manager else
           gettext_noop("You are receiving this because %(organization)s copies credentials for %(course)s to this address."))
    return _draft(
        organization=organization, issuance=issuance, kind=OutboxMessage.Kind.CREDENTIAL_COPY,
        key=credential_copy_key(credential_id=credential.pk, address=recipient), recipient=recipient,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL_COPY,
                                    chosen=course.copy_email_template if course.copy_email_template_id else None,
                                    language=language),
        context=context, attachments=attachments, language=language,
        footer_note=_in(language, why, learner=learner_name, organization=organization.name,
                        course=learner_text_line(course.title)),
    )


def still_needed_email_draft(*, issuance: Issuance, reasons: list[str], programmes: list[str] = ()) -> EmailDraft:
    """Tells an ineligible learner, in their terms, each thing they still need, and where they stand on the
    programmes this course counts towards."""
    organization = issuance.organization
    learner_name = learner_text_line(issuance.learner_name)
    return _draft(
        organization=organization, issuance=issuance, kind=OutboxMessage.Kind.STILL_NEEDED,
        key=still_needed_email_key(issuance_id=issuance.pk), recipient=issuance.learner.email, recipient_name=learner_name,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.STILL_NEEDED, language=issuance.language),
        context={"learner_name": learner_name, "course_title": issuance.course.title, "reasons": [str(r) for r in reasons],
                 "retake_url": issuance.course.retake_url, "programmes": [str(p) for p in programmes]},
        language=issuance.language,
        footer_note=_in(issuance.language, gettext_noop("You are receiving this because you took %(course)s with %(organization)s."),
                        course=learner_text_line(issuance.course.title), organization=organization.name),
    )


def template_test_email_draft(*, template: EmailTemplate, context: dict, key: str, to: str) -> EmailDraft:
    """A template as edited (saved or not) with sample values, to a staff member, marked as a test; in the
    language the version is written in, as its learners would get it."""
    draft = _draft(organization=template.organization, template=template, context=context, kind=OutboxMessage.Kind.TEST,
                   key=key, recipient=to, to_staff=True, language=template.language,
                   footer_note="A test of a template being edited in Laurel, with sample values.")
    return dataclasses.replace(draft, subject=f"[Test] {draft.subject}")


def staff_digest_draft(*, organization: Organization, key: str, count: int, items: list[dict], queue_url: str) -> EmailDraft:
    """Tells the organisation's staff what is waiting for a person: parked events and parked issuances."""
    return _draft(
        organization=organization, kind=OutboxMessage.Kind.STAFF_DIGEST, key=key,
        recipient=organization.notification_email,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.STAFF_DIGEST),
        context={"count": count, "items": items, "organization_name": organization.name, "queue_url": queue_url},
        to_staff=True,
    )


def renewal_reminder_email_draft(*, credential: Credential, key: str, expires_on: date, today: date) -> EmailDraft:
    """What expires when, a link to renew (the course's renewal page) and one to the credential."""
    issuance = credential.issuance
    organization, course = issuance.organization, issuance.course
    learner_name = learner_text_line(issuance.learner_name)
    days_left = (expires_on - today).days
    achievement = _achievement_text(issuance=issuance, credential=credential)
    achievement_name = achievement["achievement_name"]
    context = {
        "learner_name": learner_name, **achievement, "course_title": course.title,
        "expiry_date": _day(expires_on, organization=organization, language=issuance.language),
        "expired": days_left < 0, "days_left": max(days_left, 0),
        "renewal_url": course.renewal_link or organization.website,
        "credential_url": credential_url(credential_id=credential.pk),
    }
    return _draft(
        organization=organization, issuance=issuance, kind=OutboxMessage.Kind.RENEWAL_REMINDER, key=key,
        recipient=credential.learner.email, recipient_name=learner_name,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.RENEWAL_REMINDER,
                                    language=issuance.language),
        context=context, language=issuance.language,
        footer_note=_in(issuance.language, gettext_noop("You are receiving this because you hold %(achievement)s from %(organization)s."),
                        achievement=learner_text_line(achievement_name), organization=organization.name),
    )


def revocation_notice_email_draft(*, credential: Credential, key: str) -> EmailDraft:
    """Tells the learner their credential was revoked, and why: no PDF, nothing that reads as valid."""
    issuance = credential.issuance
    organization = issuance.organization
    learner_name = learner_text_line(issuance.learner_name)
    context = {
        "learner_name": learner_name, **_achievement_text(issuance=issuance, credential=credential),
        "course_title": issuance.course.title, "reason": credential.status_reason,
        "revoked_on": _day(timezone.now(), organization=organization, language=issuance.language),
        "credential_url": credential_url(credential_id=credential.pk),
    }
    return _draft(
        organization=organization, issuance=issuance, kind=OutboxMessage.Kind.REVOCATION_NOTICE, key=key,
        recipient=credential.learner.email, recipient_name=learner_name,
        template=email_template_for(organization=organization, kind=EmailTemplate.Kind.REVOCATION_NOTICE,
                                    language=issuance.language),
        context=context, language=issuance.language,
    )


def invitation_email_draft(*, invitation, url: str) -> EmailDraft:
    """The invitation to join an organisation's staff: who invites, in which role, the link and its expiry.

    Plain Laurel text, not an editable template: it goes to staff, and the link must not be templated away."""
    organization = invitation.organization
    sender = _sender(organization)
    inviter = invitation.invited_by.get_username() if invitation.invited_by else "An administrator"
    text = (f"{inviter} has invited you to work for {organization.name} in Laurel as {invitation.get_role_display().lower()}.\n\n"
            f"Accept the invitation here:\n{url}\n\n"
            f"The link works once and expires on {invitation.expires_at:%d %B %Y at %H:%M} UTC. If you did not expect it, "
            "ignore this email.\n")
    return EmailDraft(
        organization=organization, kind="invitation", idempotency_key=invitation_email_key(invitation_id=invitation.pk),
        recipient=invitation.email, from_email=sender["from_email"], reply_to=sender["reply_to"],
        headers={k: v for k, v in sender["headers"].items() if k != "List-Unsubscribe"},
        subject=learner_text_line(f"Join {organization.name} on Laurel"), text_body=text,
    )
