"""The learner page's emails: the sign-in link, the download links for a copy of their data, and a wrong-name
report that staff declined (with their reason).

Laurel's own fixed text (not an editable template): the link must not be templated away. Sent from
the organisation the learner most recently earned from, through the outbox like every email.
"""

from datetime import datetime
from email.utils import formataddr

from django.conf import settings
from django.core.mail import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from courses.models import Organization
from courses.templating.learner_text import learner_text_line

from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..delivery.tasks import outbox_enqueue_send
from ..email.draft import EmailDraft
from ..email.render import organization_brand
from ..models import Learner, NameCorrectionRequest, OutboxMessage


def _draft(*, organization: Organization, kind: str, key: str, recipient: str, recipient_name: str, subject: str,
           template: str, context: dict, language: str, issuance=None) -> EmailDraft:
    brand = organization_brand(organization=organization)
    context = {**brand, **context, "subject": subject}
    content = render_to_string(f"laurel/email/{template}.html", context)
    html = render_to_string("laurel/email/layout.html", {**context, "content": content, "footer_note": "",
                                                          "unsubscribe_url": ""})
    domain = organization.sender_email.rpartition("@")[2] or None
    return EmailDraft(
        organization=organization, kind=kind, idempotency_key=key, recipient=recipient,
        recipient_name=learner_text_line(recipient_name),
        from_email=formataddr((learner_text_line(organization.sender_name or organization.name), organization.sender_email)),
        reply_to=organization.reply_to,
        # Asked for by the learner a moment ago: not a subscription, so no unsubscribe header.
        headers={"Message-ID": make_msgid(domain=domain), "Auto-Submitted": "auto-generated", "Content-Language": language},
        subject=learner_text_line(subject), text_body=render_to_string(f"laurel/email/{template}.txt", context),
        html_body=html, issuance=issuance,
    )


def _language(learner: Learner) -> str:
    """The language of the learner's most recent credential from this organisation: what they last read from it."""
    return learner.issuances.order_by("-pk").values_list("language", flat=True).first() or "en"


def sign_in_email_send(*, learner: Learner, request_id: int, url: str, expires_at: datetime):
    language = _language(learner)
    with translation.override(language):
        draft = _draft(language=language,
            organization=learner.organization, kind=OutboxMessage.Kind.LEARNER_SIGN_IN,
            key=f"learner-sign-in:{request_id}",
            recipient=learner.email, recipient_name=learner.name, subject=_("Your sign-in link for your credentials"),
            template="me_sign_in", context={"url": url, "expires_at": expires_at, "name": learner.name},
        )
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def data_copy_email_send(*, learner: Learner, key: str, links: list[dict], expires_at: datetime):
    """`links`: one {"organization": name, "url": …} per organisation holding the learner's data."""
    language = _language(learner)
    with translation.override(language):
        draft = _draft(language=language,
            organization=learner.organization, kind=OutboxMessage.Kind.LEARNER_DATA, key=key,
            recipient=learner.email, recipient_name=learner.name, subject=_("Your copy of your data"),
            template="me_data_copy", context={"links": links, "expires_at": expires_at, "name": learner.name},
        )
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def name_declined_email_queue(*, report: NameCorrectionRequest) -> OutboxMessage | None:
    """Tell the learner, in their credential's language, that their wrong-name report was declined and why.

    The row is written in the caller's transaction (a rolled-back decline emails no one) and sent in
    the organisation's turn once it commits. None for a learner whose data was erased: no one to tell.
    """
    credential = report.credential
    issuance, learner = credential.issuance, credential.learner
    if learner.erased_at is not None:
        return None
    language = issuance.language or "en"
    with translation.override(language):
        draft = _draft(
            language=language, issuance=issuance, organization=issuance.organization,
            kind=OutboxMessage.Kind.NAME_DECLINED, key=f"name-declined:{report.pk}", recipient=learner.email,
            recipient_name=issuance.learner_name, subject=_("About the name on your credential"),
            template="me_name_declined",
            context={"name": issuance.learner_name, "organization": issuance.organization.name,
                     "achievement": credential.achievement.name, "current_name": report.current_name,
                     "requested_name": report.requested_name, "reason": report.resolution,
                     "me_url": settings.LAUREL_BASE_URL + reverse("learner-page")},
        )
    message = outbox_enqueue(draft=draft)
    outbox_enqueue_send(message_id=message.pk, organization_id=message.organization_id)
    return message
