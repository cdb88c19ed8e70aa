"""The outbox against a real SMTP server: sent once, retried when it can help, failed when it cannot."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issuance.delivery.sending import delivery_send_credential_email, delivery_send_still_needed_email
from issuance.delivery.outbox import outbox_enqueue, outbox_recover_stuck, outbox_send, stuck_after
from issuance.delivery.signals import outbox_message_failed
from issuance.delivery.tasks import outbox_sweep
from issuance.delivery.sending import credential_email_compose
from issuance.models import OutboxMessage, Suppression
from tests.factories.delivery import MINIMAL_PDF, CredentialFactory, IssuanceFactory
from tests.delivery.servers import free_port

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


@pytest.fixture
def failures():
    received = []

    def listener(sender, message, result, **kwargs):
        received.append(result)

    outbox_message_failed.connect(listener)
    yield received
    outbox_message_failed.disconnect(listener)


def test_it_sends_the_credential_email_once_with_the_pdf_attached(smtp_server):
    credential = CredentialFactory(issuance__course__title="First Aid at Work")

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert result.sent and not result.permanent
    [received] = smtp_server.messages
    assert received["To"] == f"Ana Lima <{credential.learner.email}>"
    assert received["Subject"] == "Your certificate for First Aid at Work"
    [pdf] = [part for part in received.iter_attachments()]
    assert pdf.get_filename() == "Certificate - First Aid at Work - Ana Lima.pdf"
    assert pdf.get_content() == MINIMAL_PDF
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.provider_message_id) == (Status.SENT, 1, received["Message-ID"])


def test_it_never_sends_a_sent_message_again(smtp_server):
    credential = CredentialFactory()
    delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    again = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    outbox_send(message_id=again.message_id)

    assert again.sent
    assert len(smtp_server.messages) == 1
    assert OutboxMessage.objects.get().attempts == 1


def test_it_retries_a_4xx_answer_with_backoff_and_then_sends(smtp_server):
    smtp_server.handler.script = ["tempfail"]
    issuance = IssuanceFactory()

    first = delivery_send_still_needed_email(issuance=issuance, reasons=["A score of at least 80%."])

    assert (first.status, first.permanent) == (Status.QUEUED, False)
    assert "451" in first.detail
    assert first.retry_at > timezone.now() + timedelta(seconds=30)
    assert outbox_send(message_id=first.message_id).status == Status.QUEUED  # not due yet: nothing tried
    assert OutboxMessage.objects.get().attempts == 1

    second = outbox_send(message_id=first.message_id, now=first.retry_at)

    assert second.sent
    assert len(smtp_server.messages) == 1
    assert OutboxMessage.objects.get().attempts == 2


def test_it_fails_a_rejected_recipient_for_good_and_tells_the_pipeline(smtp_server, failures):
    smtp_server.handler.script = ["reject"]
    credential = CredentialFactory()

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert (result.status, result.permanent) == (Status.FAILED, True)
    assert "550" in result.detail and "User unknown" in result.detail
    assert failures == [result]
    assert smtp_server.messages == []


def test_it_sends_once_more_and_flags_a_possible_duplicate_when_the_server_answered_too_late(smtp_server):
    smtp_server.handler.script = [("stall", 3)]
    credential = CredentialFactory()

    unknown = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert len(smtp_server.messages) == 1  # the server had it; its answer never came
    assert (unknown.status, unknown.permanent, unknown.possible_duplicate) == (Status.QUEUED, False, True)
    assert "did not answer in time" in unknown.detail

    retried = outbox_send(message_id=unknown.message_id, now=unknown.retry_at)

    assert retried.sent and retried.possible_duplicate
    assert len(smtp_server.messages) == 2


def test_it_gives_up_when_a_second_attempt_ends_unknown_too(smtp_server, failures):
    smtp_server.handler.script = [("stall", 3), ("stall", 3)]
    credential = CredentialFactory()
    unknown = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    final = outbox_send(message_id=unknown.message_id, now=unknown.retry_at)

    assert (final.status, final.permanent) == (Status.FAILED, True)
    assert "check the provider's log" in final.detail
    assert failures == [final]


def test_it_gives_up_after_the_last_retry(smtp_server, failures):
    smtp_server.handler.script = ["tempfail"] * 10
    issuance = IssuanceFactory()
    result = delivery_send_still_needed_email(issuance=issuance, reasons=["Attend the practical day."])
    while result.status == Status.QUEUED:
        result = outbox_send(message_id=result.message_id, now=result.retry_at)

    assert (result.status, result.permanent) == (Status.FAILED, True)
    assert "Gave up after 6 attempts" in result.detail
    assert smtp_server.messages == []


def test_it_follows_the_retry_schedule_the_operator_set(smtp_server, failures, settings):
    settings.LAUREL_OUTBOX_RETRY_SECONDS = [5, 20]
    smtp_server.handler.script = ["tempfail"] * 10
    issuance = IssuanceFactory()
    before = timezone.now()
    first = delivery_send_still_needed_email(issuance=issuance, reasons=["Attend the practical day."])
    after = timezone.now()
    second = outbox_send(message_id=first.message_id, now=first.retry_at)
    third = outbox_send(message_id=second.message_id, now=second.retry_at)

    assert before + timedelta(seconds=5) <= first.retry_at <= after + timedelta(seconds=5)
    assert second.retry_at - first.retry_at == timedelta(seconds=20)
    assert (third.status, third.permanent) == (Status.FAILED, True)
    assert "Gave up after 3 attempts" in third.detail


def test_it_never_emails_a_suppressed_address(smtp_server, failures):
    credential = CredentialFactory()
    Suppression.objects.create(organization=credential.issuance.organization, address=credential.learner.email.upper(),
                               reason=Suppression.Reason.HARD_BOUNCE)

    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    assert (result.status, result.permanent) == (Status.SUPPRESSED, True)
    assert "suppression list" in result.detail
    assert smtp_server.messages == [] and failures == [result]


def test_it_sends_a_row_stuck_in_sending_once_more_flagged_then_fails_it(smtp_server, failures):
    issuance = IssuanceFactory()
    smtp_server.handler.script = ["tempfail"]
    row_id = delivery_send_still_needed_email(issuance=issuance, reasons=["x"]).message_id
    crashed_at = timezone.now() - stuck_after() - timedelta(minutes=1)
    OutboxMessage.objects.filter(pk=row_id).update(status=Status.SENDING, sending_started_at=crashed_at)

    assert outbox_sweep() == "recovered 1 stuck, sent 1 of 1 due"
    row = OutboxMessage.objects.get()
    assert (row.status, row.possible_duplicate) == (Status.SENT, True)
    assert len(smtp_server.messages) == 1

    OutboxMessage.objects.filter(pk=row_id).update(status=Status.SENDING, sending_started_at=crashed_at)
    assert outbox_recover_stuck() == 1
    row.refresh_from_db()
    assert row.status == Status.FAILED and "already sent once more" in row.last_error
    assert [result.status for result in failures] == [Status.FAILED]


def test_it_leaves_a_row_another_worker_is_sending_alone(smtp_server):
    issuance = IssuanceFactory()
    smtp_server.handler.script = ["tempfail"]
    row_id = delivery_send_still_needed_email(issuance=issuance, reasons=["x"]).message_id
    OutboxMessage.objects.filter(pk=row_id).update(status=Status.SENDING, sending_started_at=timezone.now())

    assert outbox_send(message_id=row_id).status == Status.SENDING
    assert outbox_recover_stuck() == 0
    assert smtp_server.messages == []


def test_it_retries_when_the_mail_server_is_down(settings, smtp_server):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    result = delivery_send_still_needed_email(issuance=IssuanceFactory(), reasons=["x"])
    settings.EMAIL_PORT = smtp_server.port

    assert (result.status, result.permanent) == (Status.QUEUED, False)
    assert "could not be reached" in result.detail
    assert outbox_send(message_id=result.message_id, now=result.retry_at).sent


def test_it_reads_and_writes_a_new_credential_emails_row_only_as_often_as_the_rules_need(smtp_server):
    credential = CredentialFactory()

    with CaptureQueriesContext(connection) as queries:
        assert delivery_send_credential_email(issuance=credential.issuance, credential=credential).sent

    on_the_row = [query["sql"].split()[0] for query in queries.captured_queries if '"issuance_outboxmessage"' in query["sql"]]
    # Is there one already, create it, claim it (unless its course is paused or its address suppressed), record
    # it sent (with the provider's id). The row this call created is not read back after the claim.
    assert on_the_row == ["SELECT", "INSERT", "UPDATE", "UPDATE"]


def test_it_keeps_the_first_row_for_a_key_whatever_is_enqueued_under_it_later():
    credential = CredentialFactory()
    draft = credential_email_compose(issuance=credential.issuance, credential=credential)
    first = outbox_enqueue(draft=draft)

    with transaction.atomic():  # also inside a caller's transaction, which stays usable
        again = outbox_enqueue(draft=replace(draft, subject="Something else", recipient="other@example.org"))
        assert OutboxMessage.objects.count() == 1

    assert again.pk == first.pk
    assert (again.subject, again.recipient) == (first.subject, first.recipient) == (draft.subject, draft.recipient)
