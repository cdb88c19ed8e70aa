"""The email provider's tracking webhooks (`/anymail/<esp>/tracking/`), served only when they can be trusted.

A tracking event suppresses addresses and marks outbox rows bounced, so an unauthenticated one would
let anyone block any learner's mail. Only the configured ESP's endpoint is served, and only when
Laurel holds a credential that anymail checks for it: the shared `ANYMAIL_WEBHOOK_SECRET` (HTTP basic
auth), or the ESP's own signing key where anymail verifies one. Anything that fails anymail's checks,
or that cannot be read, is answered 4xx and changes nothing.
"""

import logging

from anymail.exceptions import AnymailError
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from ..bodies import BodyRefused, json_request_parse
from ..sources.base import is_json_content_type

logger = logging.getLogger(__name__)

# anymail's tracking view per ESP (its backend module name, as in LAUREL_EMAIL_ESP).
TRACKING_VIEWS = {
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESTrackingWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailersend": "anymail.webhooks.mailersend.MailerSendTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "mailjet": "anymail.webhooks.mailjet.MailjetTrackingWebhookView",
    "mailtrap": "anymail.webhooks.mailtrap.MailtrapTrackingWebhookView",
    "postal": "anymail.webhooks.postal.PostalTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "resend": "anymail.webhooks.resend.ResendTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
    "sparkpost": "anymail.webhooks.sparkpost.SparkPostTrackingWebhookView",
    "unisender_go": "anymail.webhooks.unisender_go.UnisenderGoTrackingWebhookView",
}
# ESPs whose tracking webhooks anymail verifies with the ESP's own key: (anymail esp_name, setting
# name). Mailgun's view refuses to exist without its key, so for Mailgun the key is required.
SIGNING_KEYS = {
    "mailgun": ("Mailgun", "webhook_signing_key"),
    "sendgrid": ("SendGrid", "tracking_webhook_verification_key"),
}
SIGNING_KEY_REQUIRED = {"mailgun"}
# What a forged or unreadable request raises inside anymail before any event is applied.
REFUSED = (AnymailError, SuspiciousOperation, ValueError, KeyError, TypeError, UnicodeError)


def _signing_key(esp: str) -> str:
    if esp not in SIGNING_KEYS:
        return ""
    esp_name, name = SIGNING_KEYS[esp]
    key = get_anymail_setting(name, esp_name=esp_name, default="", allow_bare=True)
    if not key and esp == "mailgun":  # anymail falls back to the API key for Mailgun's signatures
        key = get_anymail_setting("api_key", esp_name=esp_name, default="", allow_bare=True)
    return key or ""


def tracking_webhook_problem(esp: str) -> str:
    """Why `esp`'s tracking webhook cannot be trusted, or "" when it can."""
    if esp not in TRACKING_VIEWS:
        return f"django-anymail has no tracking webhook for {esp!r}."
    secret = get_anymail_setting("webhook_secret", default="")
    key = _signing_key(esp)
    if esp in SIGNING_KEY_REQUIRED and not key:
        setting = f"ANYMAIL_{SIGNING_KEYS[esp][0].upper()}_{SIGNING_KEYS[esp][1].upper()}"
        return f"{setting} is not set, so {esp}'s tracking webhook signatures cannot be checked."
    if not secret and not key:
        also = ""
        if esp in SIGNING_KEYS:
            also = f" or ANYMAIL_{SIGNING_KEYS[esp][0].upper()}_{SIGNING_KEYS[esp][1].upper()}"
        return f"ANYMAIL_WEBHOOK_SECRET{also} is not set, so anyone could post {esp} tracking events."
    try:
        import_string(TRACKING_VIEWS[esp])()
    except ImproperlyConfigured as exc:
        return f"anymail cannot check {esp}'s tracking webhooks: {exc}"
    return ""


def tracking_webhooks_enabled_for(esp: str) -> bool:
    return bool(settings.LAUREL_EMAIL_ESP) and esp == settings.LAUREL_EMAIL_ESP and not tracking_webhook_problem(esp)


@csrf_exempt
def tracking_webhook(request, esp: str):
    """anymail's view for the configured ESP, with every refusal answered 4xx instead of a 500."""
    if not tracking_webhooks_enabled_for(esp):
        raise Http404("No tracking webhook is served for this email service.")
    if is_json_content_type(request.content_type or "") or request.body[:1] in (b"{", b"["):
        try:  # anymail's own json.loads would follow any nesting until the interpreter gives up (a 500)
            json_request_parse(request.body)
        except BodyRefused as exc:
            return HttpResponse(f"Refused: {exc.detail}", status=exc.status, content_type="text/plain")
    view = import_string(TRACKING_VIEWS[esp]).as_view()
    try:
        return view(request)
    except REFUSED as exc:
        # Validation runs before any event is applied, so a refusal here changed nothing.
        logger.warning("%s tracking webhook refused from %s: %s", esp, request.META.get("REMOTE_ADDR"), exc)
        return HttpResponse(f"Refused: {type(exc).__name__}.", status=400, content_type="text/plain")
