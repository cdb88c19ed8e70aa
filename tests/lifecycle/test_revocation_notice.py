"""Revoke offers "tell the learner", with a template of its own; the API only when the request says so."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from issuance.models import Credential, OutboxMessage
from tests.factories.delivery import CredentialFactory
from stand_ins.smtp import attachments, body

CREDENTIALS = reverse("admin:issuance_credential_changelist")


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=admin_user)[1]}")
    return client


def _revoke(admin_client, credential, **extra):
    return admin_client.post(CREDENTIALS, {"action": "revoke_selected", "_selected_action": [credential.pk], "confirm": "yes",
                                           "reason": "Assessment found to be copied.", **extra}, follow=True)


def test_it_offers_to_tell_the_learner_and_emails_the_notice_when_asked(admin_client, smtp):
    credential = CredentialFactory()
    ask = admin_client.post(CREDENTIALS, {"action": "revoke_selected", "_selected_action": [credential.pk]})
    assert "Tell the learner" in ask.content.decode()

    done = _revoke(admin_client, credential, notify_learner="yes")

    assert "Each learner is sent the revocation notice" in done.content.decode()
    [notice] = smtp.messages
    assert notice["Subject"] == f"Your {credential.achievement.name} credential has been revoked"
    assert "The reason given: Assessment found to be copied." in body(notice, "plain")
    assert "ready" not in body(notice, "plain") and attachments(notice) == {}
    assert OutboxMessage.objects.get().idempotency_key == f"revocation-notice:{credential.pk}"


def test_it_revokes_without_a_word_to_the_learner_unless_asked(admin_client, smtp):
    credential = CredentialFactory()

    _revoke(admin_client, credential)

    assert Credential.objects.get(pk=credential.pk).status == "revoked" and smtp.messages == []


def test_it_needs_the_count_typed_to_tell_more_learners_than_the_cap(admin_client, smtp, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")
    first, second = CredentialFactory(), CredentialFactory()
    data = {"action": "revoke_selected", "_selected_action": [first.pk, second.pk], "confirm": "yes",
            "reason": "Course withdrawn.", "notify_learner": "yes"}

    refused = admin_client.post(CREDENTIALS, data).content.decode()
    assert "would email 2 learners, more than LAUREL_BULK_CONFIRM_OVER (1)" in refused
    assert Credential.objects.filter(status="revoked").count() == 0 and smtp.messages == []

    admin_client.post(CREDENTIALS, {**data, "confirm_count": "2"})
    assert Credential.objects.filter(status="revoked").count() == 2 and len(smtp.messages) == 2


def test_the_api_tells_the_learner_only_when_the_request_says_notify_learner_true(api, smtp):
    quiet, told = CredentialFactory(), CredentialFactory()

    assert api.post(f"/api/v1/credentials/{quiet.pk}/revoke", {"reason": "Issued in error."}, format="json").status_code == 200
    assert smtp.messages == []
    response = api.post(f"/api/v1/credentials/{told.pk}/revoke", {"reason": "Issued in error.", "notify_learner": True},
                        format="json")

    assert response.status_code == 200 and response.json()["status"] == "revoked"
    [notice] = smtp.messages
    assert told.learner.email in notice["To"]
