"""Resend never says what is no longer true; the renewal email instead; the typed count above the cap."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from issuance.delivery.sending import delivery_send_credential_email
from issuance.models import OutboxMessage
from issuance.revocation import credential_revoke, credential_suspend
from tests.factories.delivery import CredentialFactory

OUTBOX = reverse("admin:issuance_outboxmessage_changelist")
CREDENTIALS = reverse("admin:issuance_credential_changelist")


@pytest.fixture
def emailed(smtp):
    """A credential whose "your certificate is ready" email went out."""
    def make(**fields):
        credential = CredentialFactory(**fields)
        delivery_send_credential_email(issuance=credential.issuance, credential=credential)
        return credential, OutboxMessage.objects.get(issuance=credential.issuance)
    return make


def _resend(admin_client, *messages, **extra):
    data = {"action": "resend", "_selected_action": [m.pk for m in messages], **extra}
    return admin_client.post(OUTBOX, data, follow=True).content.decode()


def test_it_refuses_to_resend_the_email_of_a_revoked_credential_and_says_why(admin_client, admin_user, emailed, smtp):
    credential, message = emailed()
    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)

    ask = _resend(admin_client, message)
    assert "will not be sent again" in ask and "the credential was revoked: Assessment found to be copied." in ask
    assert "copied.." not in ask  # the reason's own full stop, not doubled (walk-through, Polish)
    assert "Nothing selected can be sent again." in ask

    done = _resend(admin_client, message, confirmed="yes")

    assert "Not resent to" in done and "Resending would tell the learner it is valid." in done
    assert len(smtp.messages) == 1  # only the original "your certificate is ready"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 1


def test_it_refuses_a_suspended_credentials_email_but_resends_the_others(admin_client, admin_user, emailed, smtp):
    suspended, held = emailed()
    _, fine = emailed()
    credential_suspend(credential=suspended, reason="Under review.", actor=admin_user)

    done = _resend(admin_client, held, fine, confirmed="yes")

    assert "Queued 1 message to be sent again." in done and "the credential is suspended: Under review." in done
    assert OutboxMessage.objects.get(pk=fine.pk).status == OutboxMessage.Status.QUEUED


def test_it_offers_the_renewal_email_for_an_expired_credential_and_sends_it(admin_client, emailed, smtp):
    credential, message = emailed(valid_until=timezone.now() - timedelta(days=3))

    ask = _resend(admin_client, message)
    assert "Send the renewal email instead" in ask

    confirm = admin_client.post(CREDENTIALS, {"action": "send_renewal_email", "_selected_action": [credential.pk]})
    assert "1 learner will be emailed" in confirm.content.decode()
    done = admin_client.post(CREDENTIALS, {"action": "send_renewal_email", "_selected_action": [credential.pk],
                                           "confirm": "yes"}, follow=True)

    assert "Renewal email sent to 1 learner." in done.content.decode()
    renewal = smtp.messages[-1]
    assert "expired on" in renewal["Subject"] and "Congratulations" not in renewal.get_body().get_content()


def test_it_needs_the_exact_count_typed_above_the_cap(admin_client, emailed, smtp, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")
    messages = [emailed()[1] for _ in range(2)]

    ask = _resend(admin_client, *messages)
    assert "This emails 2 learners, more than 1. Type the number of messages to confirm" in ask

    wrong = _resend(admin_client, *messages, confirmed="yes", confirm_count="3")
    assert "would email 2 learners, not 3: nothing was sent" in wrong
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED).count() == 0

    right = _resend(admin_client, *messages, confirmed="yes", confirm_count="2")
    assert "Queued 2 messages to be sent again." in right
