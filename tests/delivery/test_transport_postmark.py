"""The outbox through django-anymail against an HTTP server speaking Postmark's documented /email API."""

import base64

import pytest

from issuance.delivery.sending import delivery_send_credential_email
from issuance.delivery.outbox import outbox_send
from issuance.models import OutboxMessage
from tests.factories.delivery import MINIMAL_PDF, CredentialFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def test_it_sends_through_the_esp_and_keeps_its_message_id(postmark_server):
    credential = CredentialFactory(issuance__course__title="First Aid at Work")

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert result.sent
    [request] = postmark_server.requests
    body = request["json"]
    assert request["path"] == "/email"
    assert body["To"] == f"Ana Lima <{credential.learner.email}>"
    assert body["Subject"] == "Your certificate for First Aid at Work"
    assert "View your credential" in body["HtmlBody"] and "View your credential" in body["TextBody"]
    [attachment] = body["Attachments"]
    assert attachment["Name"] == "Certificate - First Aid at Work - Ana Lima.pdf"
    assert base64.b64decode(attachment["Content"]) == MINIMAL_PDF
    row = OutboxMessage.objects.get()
    assert body["Metadata"] == {"outbox_id": str(row.pk)}
    assert row.provider_message_id == postmark_server.accepted[0]


@pytest.mark.parametrize("answer", ["error", "ratelimited"])
def test_it_retries_a_provider_error_or_rate_limit_and_then_sends(postmark_server, answer):
    postmark_server.script = [answer]
    credential = CredentialFactory()

    first = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert (first.status, first.permanent, first.possible_duplicate) == (Status.QUEUED, False, False)
    assert ("500" if answer == "error" else "429") in first.detail
    second = outbox_send(message_id=first.message_id, now=first.retry_at)
    assert second.sent
    assert len(postmark_server.accepted) == 1 and len(postmark_server.requests) == 2


def test_it_fails_a_recipient_the_provider_refuses(postmark_server):
    postmark_server.script = ["inactive"]
    credential = CredentialFactory()

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert (result.status, result.permanent) == (Status.FAILED, True)
    assert "refused the recipient" in result.detail
    assert postmark_server.accepted == []


def test_it_flags_a_possible_duplicate_when_the_provider_answered_too_late(postmark_server):
    postmark_server.script = [("stall", 2)]
    credential = CredentialFactory()

    unknown = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert len(postmark_server.requests) == 1  # it reached the provider
    assert (unknown.status, unknown.possible_duplicate) == (Status.QUEUED, True)
    assert "did not answer in time" in unknown.detail
    retried = outbox_send(message_id=unknown.message_id, now=unknown.retry_at)
    assert retried.sent and retried.possible_duplicate
    assert len(postmark_server.requests) == 2


def test_it_keeps_retrying_while_the_server_token_is_wrong(settings, postmark_server):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_SERVER_TOKEN": "not-the-token"}
    credential = CredentialFactory()

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert (result.status, result.permanent) == (Status.QUEUED, False)
    assert "401" in result.detail
