"""Postmark's tracking webhooks, through anymail's view and basic auth, update the outbox and suppression list."""

import base64

import pytest

from issuance.delivery.sending import delivery_send_credential_email
from issuance.models import OutboxMessage, Suppression
from tests.factories.delivery import CredentialFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
URL = "/anymail/postmark/tracking/"
SECRET = "laurel-webhooks:correct-horse-battery"


@pytest.fixture
def sent(settings, postmark_server):
    settings.LAUREL_EMAIL_ESP = "postmark"  # only the configured ESP's tracking URL is served
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    credential = CredentialFactory()
    delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    return OutboxMessage.objects.get()


def auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def bounce(message: OutboxMessage, kind="HardBounce") -> dict:
    return {
        "RecordType": "Bounce", "ID": 4323372036854775807, "Type": kind, "TypeCode": 1, "Name": "Hard bounce",
        "Tag": "", "MessageID": message.provider_message_id, "Metadata": {"outbox_id": str(message.pk)},
        "ServerID": 23, "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": message.recipient, "From": "certificates@academy.example", "BouncedAt": "2026-03-14T16:09:19Z",
        "DumpAvailable": True, "Inactive": True, "CanActivate": True, "Subject": message.subject,
    }


def complaint(message: OutboxMessage) -> dict:
    return {**bounce(message), "RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512,
            "Name": "Spam complaint", "Description": "The subscriber explicitly marked this message as spam.",
            "Details": "Test spam complaint details"}


def delivery(message: OutboxMessage) -> dict:
    return {"RecordType": "Delivery", "ServerID": 23, "MessageStream": "outbound", "MessageID": message.provider_message_id,
            "Recipient": message.recipient, "Tag": "", "DeliveredAt": "2026-03-14T16:05:19Z",
            "Details": "Test delivery webhook details", "Metadata": {"outbox_id": str(message.pk)}}


def post(client, payload, **headers):
    return client.post(URL, payload, content_type="application/json", **headers)


def test_it_marks_a_hard_bounce_and_suppresses_the_address(client, sent):
    response = post(client, bounce(sent), **auth())

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Status.BOUNCED
    assert "does not exist" in sent.last_error
    suppression = Suppression.objects.get()
    assert (suppression.organization, suppression.address, suppression.reason) == (
        sent.organization, sent.recipient, Suppression.Reason.HARD_BOUNCE)


def test_it_honours_the_suppression_on_the_next_email_to_that_address(client, sent, postmark_server):
    post(client, bounce(sent), **auth())
    other = CredentialFactory(issuance__organization=sent.organization, issuance__learner=sent.issuance.learner)

    result = delivery_send_credential_email(issuance=other.issuance, credential=other)

    assert result.status == Status.SUPPRESSED
    assert len(postmark_server.requests) == 1


def test_it_marks_a_complaint_and_suppresses_the_address(client, sent):
    assert post(client, complaint(sent), **auth()).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Status.COMPLAINED
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINT


def test_it_marks_a_delivery_without_suppressing(client, sent):
    assert post(client, delivery(sent), **auth()).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    assert not Suppression.objects.exists()


def test_it_fails_and_suppresses_an_address_the_provider_calls_invalid(client, sent):
    post(client, bounce(sent, kind="BadEmailAddress"), **auth())

    sent.refresh_from_db()
    assert sent.status == Status.FAILED and "refused to deliver it (invalid)" in sent.last_error
    assert Suppression.objects.get().reason == Suppression.Reason.REJECTED


def test_it_notes_a_soft_bounce_without_suppressing(client, sent):
    post(client, bounce(sent, kind="SoftBounce"), **auth())

    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert "temporary delivery problem" in sent.last_error
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("headers", [{}, auth("laurel-webhooks:wrong"), auth("someone:correct-horse-battery")])
def test_it_refuses_a_webhook_without_the_right_credentials(client, sent, headers):
    response = post(client, bounce(sent), **headers)

    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert not Suppression.objects.exists()


def test_it_ignores_an_event_for_a_message_it_did_not_send(client, sent):
    stranger = {**bounce(sent), "Metadata": {}, "MessageID": "00000000-0000-0000-0000-000000000000"}

    assert post(client, stranger, **auth()).status_code == 200
    assert not Suppression.objects.exists()
