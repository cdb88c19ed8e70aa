"""Staff's outbox: filters, the message as the learner saw it, resend with confirmation, and a test to me."""

import pytest
from django.urls import reverse

from issuance.delivery.sending import delivery_send_credential_email
from issuance.models import OutboxMessage, Suppression
from tests.factories.delivery import CredentialFactory
from tests.delivery.conftest import media_in_tmp  # noqa: F401 (an autouse fixture: media in a temporary folder)

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
CHANGELIST = reverse("admin:issuance_outboxmessage_changelist")


@pytest.fixture
def sent(smtp_server):
    credential = CredentialFactory(issuance__learner_name='Zoë <b>"Bold"</b>', issuance__learner__name="Zoë")
    delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    return OutboxMessage.objects.get()


def test_it_lists_the_outbox_with_filters_staff_use(admin_client, sent):
    response = admin_client.get(CHANGELIST, {"status__exact": "sent", "organization__id__exact": sent.organization_id, "kind__exact": "credential"})

    assert response.status_code == 200
    assert sent.recipient in response.text
    assert admin_client.get(CHANGELIST, {"status__exact": "failed"}).context["cl"].result_count == 0


def test_it_shows_the_message_as_the_learner_saw_it_in_a_sandboxed_frame(admin_client, sent):
    response = admin_client.get(reverse("admin:issuance_outboxmessage_change", args=[sent.pk]))

    assert response.status_code == 200
    assert '<iframe sandbox="" srcdoc="&lt;!DOCTYPE html&gt;' in response.text
    # Escaped once by the email, once more by srcdoc: the name can never become markup in the admin.
    assert "Zoë &amp;lt;b&amp;gt;&amp;quot;Bold&amp;quot;&amp;lt;/b&amp;gt;" in response.text
    assert "Congratulations, Zoë &lt;b&gt;&quot;Bold&quot;&lt;/b&gt;!" in response.text  # the text part in <pre>
    assert "Certificate - Course" in response.text


def test_it_asks_before_resending_and_then_sends_again(admin_client, sent, smtp_server):
    ask = admin_client.post(CHANGELIST, {"action": "resend", "_selected_action": [sent.pk]})

    assert ask.status_code == 200
    assert "Resend these messages?" in ask.text and "already sent" in ask.text
    assert len(smtp_server.messages) == 1

    done = admin_client.post(CHANGELIST, {"action": "resend", "_selected_action": [sent.pk], "confirmed": "yes"}, follow=True)

    assert "Queued 1 message to be sent again." in done.text
    sent.refresh_from_db()
    assert sent.status == Status.QUEUED
    first_id = smtp_server.messages[0]["Message-ID"]
    assert sent.headers["Message-ID"] != first_id


def test_it_sends_a_test_copy_to_the_staff_member(admin_client, admin_user, sent, smtp_server):
    response = admin_client.post(CHANGELIST, {"action": "send_test_to_me", "_selected_action": [sent.pk]}, follow=True)

    assert "to staff@example.org: sent" in response.text
    test = smtp_server.messages[-1]
    assert test["To"] == admin_user.email and test["Subject"] == f"[Test] {sent.subject}"
    assert len(list(test.iter_attachments())) == 1
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.TEST).status == Status.SENT


def test_it_lists_the_suppression_list(admin_client, sent):
    Suppression.objects.create(organization=sent.organization, address="Bounced@Example.org", reason=Suppression.Reason.HARD_BOUNCE)

    response = admin_client.get(reverse("admin:issuance_suppression_changelist"))

    assert "bounced@example.org" in response.text and "Hard bounce" in response.text


def test_possible_duplicate_reads_as_a_plain_answer_not_a_cross_beside_a_statement(admin_client, sent):
    page = reverse("admin:issuance_outboxmessage_change", args=[sent.pk])

    answer = admin_client.get(page).text
    assert "No: every attempt&#x27;s outcome was known." in answer
    assert "An attempt's outcome was unknown and the message was sent again." not in answer
    assert "icon-no.svg" not in answer

    OutboxMessage.objects.filter(pk=sent.pk).update(possible_duplicate=True)
    assert "Yes: an attempt&#x27;s outcome was unknown" in admin_client.get(page).text


def test_the_admin_spells_organisation_as_the_docs_do(admin_client, sent):
    pages = [CHANGELIST, reverse("admin:issuance_outboxmessage_change", args=[sent.pk]),
             reverse("admin:courses_organization_change", args=[sent.organization_id]),
             reverse("admin:courses_organization_changelist"), reverse("admin:issuance_issuance_changelist")]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200
        assert "Organization" not in response.text and "Organisation" in response.text, url
