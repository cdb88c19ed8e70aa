"""Tracking webhooks of Postmark, Mailgun, SendGrid and Amazon SES: authenticated events apply, forged
ones are answered 4xx and change nothing, and without credentials the URL is not served at all."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from issuance.models import OutboxMessage, Suppression
from tests.factories.delivery import CredentialFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
SECRET = "laurel-webhooks:correct-horse-battery"
MAILGUN_KEY = "mailgun-signing-key-for-tests"
SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())
SENDGRID_PUBLIC = "".join(SENDGRID_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode().splitlines()[1:-1])
UNKNOWN_USER = "smtp; 550 5.1.1 The email account that you tried to reach does not exist."


def basic(secret=SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_bounce(message):
    return {"RecordType": "Bounce", "ID": 42, "Type": "HardBounce", "TypeCode": 1, "MessageID": message.provider_message_id,
            "Metadata": {"outbox_id": str(message.pk)}, "Description": "Unknown user.", "Details": UNKNOWN_USER,
            "Email": message.recipient, "BouncedAt": "2026-03-14T16:09:19Z"}


def mailgun_bounce(message, *, key=MAILGUN_KEY, token="b1c0ffee" * 6, timestamp="1773504559"):
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {"event": "failed", "severity": "permanent", "recipient": message.recipient,
                           "timestamp": 1773504559.0, "message": {"headers": {"message-id": message.provider_message_id}},
                           "user-variables": {"outbox_id": str(message.pk)},
                           "delivery-status": {"description": "Unknown user.", "message": UNKNOWN_USER}}}


def sendgrid_bounce(message):
    return [{"email": message.recipient, "timestamp": 1773504559, "event": "bounce", "type": "bounce",
             "status": "5.1.1", "reason": UNKNOWN_USER, "sg_event_id": "ev-1", "outbox_id": str(message.pk)}]


def sendgrid_signed(body: bytes, *, key=SENDGRID_KEY, timestamp="1773504559") -> dict:
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {"HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp}


def ses_bounce(message):
    ses = {"eventType": "Bounce", "mail": {"messageId": message.provider_message_id, "destination": [message.recipient]},
           "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                      "bouncedRecipients": [{"emailAddress": message.recipient, "diagnosticCode": UNKNOWN_USER}]}}
    return {"Type": "Notification", "MessageId": "5a2b8c1e-sns-1", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:laurel",
            "Message": json.dumps(ses), "Timestamp": "2026-03-14T16:09:19.000Z"}


SES_HEADERS = {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification", "HTTP_X_AMZ_SNS_MESSAGE_ID": "5a2b8c1e-sns-1"}


@dataclass
class Provider:
    esp: str
    credentials: dict  # the ANYMAIL settings that authenticate its webhooks
    valid: Callable  # message -> (body bytes, headers)
    forgeries: dict = field(default_factory=dict)  # name -> message -> (body bytes, headers)


def as_json(payload) -> bytes:
    return json.dumps(payload).encode()


def _sendgrid_valid(message):
    body = as_json(sendgrid_bounce(message))
    return body, sendgrid_signed(body)


PROVIDERS = [
    Provider("postmark", {"WEBHOOK_SECRET": SECRET},
             lambda m: (as_json(postmark_bounce(m)), basic()),
             {"no credentials": lambda m: (as_json(postmark_bounce(m)), {}),
              "wrong password": lambda m: (as_json(postmark_bounce(m)), basic("laurel-webhooks:guess")),
              "unreadable body": lambda m: (b'{"RecordType": "Bounce", "MessageID":', basic())}),
    Provider("mailgun", {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY},
             lambda m: (as_json(mailgun_bounce(m)), {}),
             {"no signature": lambda m: (as_json({"event-data": mailgun_bounce(m)["event-data"]}), {}),
              "signed with another key": lambda m: (as_json(mailgun_bounce(m, key="guessed")), {}),
              "unreadable body": lambda m: (b"[[[[", {})}),
    Provider("sendgrid", {"WEBHOOK_SECRET": SECRET},
             lambda m: (as_json(sendgrid_bounce(m)), basic()),
             {"no credentials": lambda m: (as_json(sendgrid_bounce(m)), {}),
              "wrong password": lambda m: (as_json(sendgrid_bounce(m)), basic("laurel-webhooks:guess")),
              "unreadable body": lambda m: (b"[{", basic())}),
    Provider("sendgrid", {"SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": SENDGRID_PUBLIC},
             _sendgrid_valid,
             {"no signature": lambda m: (as_json(sendgrid_bounce(m)), {}),
              "signed with another key": lambda m: (
                  as_json(sendgrid_bounce(m)),
                  sendgrid_signed(as_json(sendgrid_bounce(m)), key=ec.generate_private_key(ec.SECP256R1()))),
              "signature over another body": lambda m: (as_json(sendgrid_bounce(m)), sendgrid_signed(b"[]"))}),
    Provider("amazon_ses", {"WEBHOOK_SECRET": SECRET},
             lambda m: (as_json(ses_bounce(m)), {**SES_HEADERS, **basic()}),
             {"no credentials": lambda m: (as_json(ses_bounce(m)), SES_HEADERS),
              "wrong password": lambda m: (as_json(ses_bounce(m)), {**SES_HEADERS, **basic("laurel-webhooks:guess")}),
              "unreadable body": lambda m: (b"not json", {**SES_HEADERS, **basic()}),
              "unknown message type": lambda m: (as_json({**ses_bounce(m), "Type": "Surprise"}),
                                                 {**SES_HEADERS, "HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Surprise", **basic()})}),
]
IDS = ["postmark", "mailgun", "sendgrid-basic-auth", "sendgrid-signed", "amazon_ses"]


@pytest.fixture
def message():
    credential = CredentialFactory()
    return OutboxMessage.objects.create(
        organization=credential.issuance.organization, issuance=credential.issuance, kind=OutboxMessage.Kind.CREDENTIAL,
        idempotency_key=f"credential-email:{credential.pk}", recipient=credential.issuance.learner.email,
        from_email="certificates@academy.example", subject="Your certificate", text_body="Well done.",
        status=Status.SENT, provider_message_id="0a129aee-e1cd-480d-b08d-4f48548ff48d",
    )


def configure(settings, provider: Provider, *, credentials=True):
    settings.LAUREL_EMAIL_ESP = provider.esp
    settings.ANYMAIL = {**(provider.credentials if credentials else {})}


def post(client, esp, body, headers):
    return client.post(f"/anymail/{esp}/tracking/", body, content_type="application/json", **headers)


def assert_nothing_changed(message):
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("provider", PROVIDERS, ids=IDS)
def test_it_applies_an_authenticated_hard_bounce(client, settings, message, provider):
    configure(settings, provider)

    response = post(client, provider.esp, *provider.valid(message))

    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.status == Status.BOUNCED
    assert "does not exist" in message.last_error
    assert Suppression.objects.get().address == message.recipient


@pytest.mark.parametrize("provider, forgery", [
    (provider, name) for provider in PROVIDERS for name in provider.forgeries
], ids=[f"{i}-{name}" for i, provider in zip(IDS, PROVIDERS) for name in provider.forgeries])
def test_it_answers_a_forged_or_unreadable_event_4xx_and_changes_nothing(client, settings, message, provider, forgery):
    configure(settings, provider)

    response = post(client, provider.esp, *provider.forgeries[forgery](message))

    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert_nothing_changed(message)


@pytest.mark.parametrize("provider", PROVIDERS, ids=IDS)
def test_it_serves_no_tracking_url_when_the_esp_has_no_webhook_credentials(client, settings, message, provider):
    configure(settings, provider, credentials=False)
    body, _ = provider.valid(message)

    response = post(client, provider.esp, body, SES_HEADERS if provider.esp == "amazon_ses" else {})

    assert response.status_code == 404
    assert_nothing_changed(message)


def test_it_serves_only_the_configured_esps_tracking_url(client, settings, message):
    configure(settings, PROVIDERS[0])
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}

    response = post(client, "mailgun", as_json(mailgun_bounce(message)), {})

    assert response.status_code == 404
    assert_nothing_changed(message)


def test_it_serves_no_tracking_url_without_an_esp(client, settings, message):
    settings.LAUREL_EMAIL_ESP = ""
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}

    assert post(client, "postmark", as_json(postmark_bounce(message)), basic()).status_code == 404
    assert_nothing_changed(message)
