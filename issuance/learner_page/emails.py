"""The learner page's two emails: the sign-in link, and the download links for a copy of their data.

Laurel's own fixed text (not an editable template): the link must not be templated away. Sent from
the organisation the learner most recently earned from, through the outbox like every email.
"""

from datetime import datetime
from email.utils import formataddr

from django.core.mail import make_msgid
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from courses.models import Organization
from courses.templating.learner_text import learner_text_line

from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..email.draft import EmailDraft
from ..email.render import organization_brand
from ..models import Learner, OutboxMessage


def _draft(*, organization: Organization, kind: str, key: str, recipient: str, recipient_name: str, subject: str,
           template: str, context: dict) -> EmailDraft:
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
        headers={"Message-ID": make_msgid(domain=domain), "Auto-Submitted": "auto-generated"},
        subject=learner_text_line(subject), text_body=render_to_string(f"laurel/email/{template}.txt", context),
        html_body=html,
    )


def _language(learner: Learner) -> str:
    """The language of the learner's most recent credential from this organisation: what they last read from it."""
    return learner.issuances.order_by("-pk").values_list("language", flat=True).first() or "en"


def sign_in_email_send(*, learner: Learner, request_id: int, url: str, expires_at: datetime):
    with translation.override(_language(learner)):
        draft = _draft(
            organization=learner.organization, kind=OutboxMessage.Kind.LEARNER_SIGN_IN,
            key=f"learner-sign-in:{request_id}",
            recipient=learner.email, recipient_name=learner.name, subject=_("Your sign-in link for your credentials"),
            template="me_sign_in", context={"url": url, "expires_at": expires_at, "name": learner.name},
        )
    return outbox_send_message(message=outbox_enqueue(draft=draft))


def data_copy_email_send(*, learner: Learner, key: str, links: list[dict], expires_at: datetime):
    """`links`: one {"organization": name, "url": …} per organisation holding the learner's data."""
    with translation.override(_language(learner)):
        draft = _draft(
            organization=learner.organization, kind=OutboxMessage.Kind.LEARNER_DATA, key=key,
            recipient=learner.email, recipient_name=learner.name, subject=_("Your copy of your data"),
            template="me_data_copy", context={"links": links, "expires_at": expires_at, "name": learner.name},
        )
    return outbox_send_message(message=outbox_enqueue(draft=draft))
