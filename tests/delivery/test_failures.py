"""An email the outbox gives up on is put in the audit trail once and announced to its organisation's staff."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditRecord
from issuance.delivery.sending import delivery_send_credential_email
from issuance.delivery.signals import outbox_message_failed
from issuance.intake.digests import staff_digests_send
from issuance.models import Issuance, OutboxMessage
from issuance.worker import issuance_advance
from tests.factories.delivery import CredentialFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def _refused(smtp_server) -> OutboxMessage:
    """A credential email the SMTP server refuses for good (550, user unknown)."""
    smtp_server.handler.script = ["reject"]
    credential = CredentialFactory(issuance__learner__email="gone@example.org")
    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    assert result.status == Status.FAILED
    return OutboxMessage.objects.get(pk=result.message_id)


def test_it_puts_a_refused_credential_email_in_the_issuances_audit_trail_once(smtp_server):
    message = _refused(smtp_server)

    outbox_message_failed.send(sender=OutboxMessage, message=message, result=None)  # the signal may arrive twice

    [record] = AuditRecord.objects.filter(actor_label="outbox")
    assert (record.issuance_id, record.organization_id, record.actor_kind) == (message.issuance_id, message.organization_id, "system")
    assert "“Credential issued” email to gone@example.org was not delivered (failed)" in record.detail
    assert "550" in record.detail and "User unknown" in record.detail


def test_the_next_staff_digest_tells_the_messages_organisation_once(smtp_server):
    message = _refused(smtp_server)
    other = CredentialFactory()  # another organisation, whose email went out
    delivery_send_credential_email(issuance=other.issuance, credential=other)
    smtp_server.messages.clear()

    assert staff_digests_send() == 1

    [digest] = smtp_server.messages
    assert message.organization.notification_email in digest["To"]
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "“Credential issued” email to gone@example.org was not delivered (failed)" in text
    assert "User unknown" in text
    assert "/admin/issuance/outboxmessage/" in text
    assert staff_digests_send(now=timezone.now() + timedelta(hours=1)) == 0  # announced once


def test_a_bounce_reported_later_is_recorded_and_announced_too(smtp_server):
    credential = CredentialFactory(issuance__learner__email="bounces@example.org")
    sent = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    message = OutboxMessage.objects.get(pk=sent.message_id)
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.BOUNCED, last_error="postmark reported a hard bounce")
    message.refresh_from_db()

    outbox_message_failed.send(sender=OutboxMessage, message=message, result=None)
    smtp_server.messages.clear()

    [record] = AuditRecord.objects.filter(actor_label="outbox")
    assert "was not delivered (bounced): postmark reported a hard bounce" in record.detail
    assert staff_digests_send() == 1
    assert "bounces@example.org was not delivered (bounced)" in smtp_server.messages[0].get_body(
        preferencelist=("plain",)).get_content()


def test_a_parked_issuances_failed_email_is_announced_as_the_parked_issuance_only(smtp_server):
    smtp_server.handler.script = ["reject"]
    credential = CredentialFactory(issuance__learner__email="gone@example.org")

    issuance_advance(issuance_id=credential.issuance_id)

    credential.issuance.refresh_from_db()
    assert credential.issuance.state == Issuance.State.PARKED
    assert AuditRecord.objects.filter(actor_label="outbox", issuance=credential.issuance).count() == 1
    assert staff_digests_send() == 1
    text = smtp_server.messages[-1].get_body(preferencelist=("plain",)).get_content()
    assert "parked at deliver" in text
    assert "was not delivered" not in text
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.CREDENTIAL).staff_notified_at is not None
