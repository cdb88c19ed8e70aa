"""Bursts of outbox emails through Postmark's batch endpoint: one call, and each email its own outcome."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from credentials_site.checks import check_email_batch_size
from issuance.delivery.outbox import outbox_enqueue, outbox_send
from issuance.delivery.sending import credential_email_compose
from issuance.delivery.tasks import outbox_sweep
from issuance.models import OutboxMessage
from stand_ins.postmark import PostmarkServer
from tests.factories.delivery import MINIMAL_PDF, CredentialFactory
from tests.factories.issuance import CourseFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
WAITED = timedelta(seconds=30)  # the burst has waited in the outbox (a row just written is its writer's to send)
NAMES = ["Ana Lima", "Bo Chen", "Chidi Okafor", "Dana Weiss", "Eitan Levi", "Fatima Zahra", "Gus Moreau"]


def burst(names=NAMES, *, course=None) -> list[OutboxMessage]:
    """One course's credential emails, queued and not yet sent, oldest first."""
    course = course or CourseFactory(title="First Aid at Work")
    rows = []
    for name in names:
        credential = CredentialFactory(issuance__course=course, issuance__learner__name=name)
        rows.append(outbox_enqueue(draft=credential_email_compose(issuance=credential.issuance, credential=credential)))
    return rows


def statuses(rows) -> list[str]:
    return [OutboxMessage.objects.get(pk=row.pk).status for row in rows]


def test_it_sends_a_burst_of_seven_in_one_call_each_email_its_learners_own(postmark_server):
    rows = burst()
    elsewhere = burst(["Hana Sato"])[0]  # another organisation's email waits for its own send

    result = outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert result.sent
    [request] = postmark_server.requests
    assert request["path"] == "/email/batch"
    messages = request["json"]
    assert [message["Metadata"] for message in messages] == [{"outbox_id": str(row.pk)} for row in rows]
    for message, row, name in zip(messages, rows, NAMES):
        assert message["To"] == f"{name} <{row.recipient}>"
        assert message["Subject"] == "Your certificate for First Aid at Work"
        assert name in message["HtmlBody"] and name in message["TextBody"]
        [attachment] = message["Attachments"]
        assert attachment["Name"] == f"Certificate - First Aid at Work - {name}.pdf"
        assert base64.b64decode(attachment["Content"]) == MINIMAL_PDF
    sent = list(OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).order_by("created_at", "pk"))
    assert [(row.status, row.attempts, row.provider_message_id) for row in sent] == [
        (Status.SENT, 1, message_id) for message_id in postmark_server.accepted]
    assert OutboxMessage.objects.get(pk=elsewhere.pk).status == Status.QUEUED
    # Each email's own queued send finds it sent and sends nothing.
    assert all(outbox_send(message_id=row.pk).sent for row in rows)
    assert len(postmark_server.requests) == 1


def test_the_sweep_sends_a_waiting_burst_in_one_call(postmark_server):
    rows = burst()
    OutboxMessage.objects.update(created_at=timezone.now() - WAITED)  # they have waited in the outbox

    assert outbox_sweep() == "recovered 0 stuck, sent 7 of 7 due"

    assert [request["path"] for request in postmark_server.requests] == ["/email/batch"]
    assert statuses(rows) == [Status.SENT] * 7


def test_one_refused_recipient_fails_alone_with_postmarks_reason(postmark_server):
    rows = burst()
    inactive = rows[3]
    postmark_server.inactive = {inactive.recipient.lower()}

    result = outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert result.sent and len(postmark_server.requests) == 1
    assert statuses(rows) == [Status.SENT] * 3 + [Status.FAILED] + [Status.SENT] * 3
    refused = OutboxMessage.objects.get(pk=inactive.pk)
    assert refused.last_error == (
        "Attempt 1: The email service refused the recipient: You tried to send to a recipient that has been marked "
        f"as inactive. Found inactive addresses: {inactive.recipient.lower()}. Inactive recipients are ones that have "
        "generated a hard bounce or a spam complaint. (Postmark error 406)")
    assert outbox_send(message_id=inactive.pk).permanent  # its own send says the same, and sends nothing
    assert len(postmark_server.requests) == 1 and len(postmark_server.accepted) == 6


@pytest.mark.parametrize("answer", ["error", "ratelimited", "no_credits"])
def test_a_whole_call_failure_leaves_each_email_to_be_retried_alone(postmark_server, answer):
    rows = burst()
    postmark_server.script = [answer]
    now = timezone.now() + WAITED

    result = outbox_send(message_id=rows[0].pk, now=now)

    assert (result.status, result.permanent) == (Status.QUEUED, False)
    for row in OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]):
        assert (row.status, row.attempts, row.next_attempt_at) == (Status.QUEUED, 1, now + timedelta(minutes=1))
        assert {"error": "500", "ratelimited": "429", "no_credits": "405"}[answer] in row.last_error
    for row in rows:
        assert outbox_send(message_id=row.pk, now=now + timedelta(minutes=1)).sent
    assert [request["path"] for request in postmark_server.requests] == ["/email/batch"] + ["/email"] * 7


def test_a_batch_whose_answer_came_too_late_is_sent_once_more_each_alone_and_flagged(postmark_server):
    rows = burst(NAMES[:3])
    postmark_server.script = [("stall", 2)]

    result = outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert (result.status, result.possible_duplicate) == (Status.QUEUED, True)
    assert all(OutboxMessage.objects.get(pk=row.pk).possible_duplicate for row in rows)
    for row in rows:
        assert outbox_send(message_id=row.pk, now=result.retry_at).sent
    assert [request["path"] for request in postmark_server.requests] == ["/email/batch"] + ["/email"] * 3


def test_results_that_name_other_recipients_leave_each_outcome_unknown(postmark_server):
    rows = burst(NAMES[:2])
    postmark_server.script = ["reversed"]

    result = outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert (result.status, result.possible_duplicate) == (Status.QUEUED, True)
    assert "does not name its recipient" in result.detail
    assert all(OutboxMessage.objects.get(pk=row.pk).possible_duplicate for row in rows)


def test_an_email_just_written_is_left_to_the_worker_that_wrote_it(postmark_server):
    rows = burst(NAMES[:3])

    assert outbox_send(message_id=rows[0].pk).sent

    assert [request["path"] for request in postmark_server.requests] == ["/email"]
    assert statuses(rows) == [Status.SENT, Status.QUEUED, Status.QUEUED]


def test_the_batch_size_setting_caps_each_call(settings, postmark_server):
    settings.LAUREL_EMAIL_BATCH_SIZE = 3
    rows = burst()

    outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    [request] = postmark_server.requests
    assert len(request["json"]) == 3
    assert statuses(rows) == [Status.SENT] * 3 + [Status.QUEUED] * 4


def test_a_batch_size_of_one_sends_each_alone(settings, postmark_server):
    settings.LAUREL_EMAIL_BATCH_SIZE = 1
    rows = burst(NAMES[:3])

    outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert [request["path"] for request in postmark_server.requests] == ["/email"]


@pytest.mark.parametrize("size", [0, 501])
def test_a_batch_size_postmark_cannot_take_is_refused_at_start_up(settings, size):
    settings.LAUREL_EMAIL_BATCH_SIZE = size

    [error] = check_email_batch_size(None)

    assert error.id == "laurel.E006" and f"LAUREL_EMAIL_BATCH_SIZE={size}" in error.msg


def test_smtp_sends_each_email_alone_as_before(smtp_server):
    rows = burst()

    assert outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED).sent

    assert len(smtp_server.messages) == 1
    assert statuses(rows) == [Status.SENT] + [Status.QUEUED] * 6


def test_an_email_sent_alone_to_an_inactive_address_fails_with_postmarks_reason_too(postmark_server, settings):
    settings.LAUREL_EMAIL_BATCH_SIZE = 1
    [row] = burst(NAMES[:1])
    postmark_server.inactive = {row.recipient.lower()}

    result = outbox_send(message_id=row.pk, now=timezone.now() + WAITED)

    assert result.permanent and [request["path"] for request in postmark_server.requests] == ["/email"]
    assert OutboxMessage.objects.get(pk=row.pk).last_error == (
        "Attempt 1: The email service refused the recipient: You tried to send to a recipient that has been marked "
        f"as inactive. Found inactive addresses: {row.recipient.lower()}. Inactive recipients are ones that have "
        "generated a hard bounce or a spam complaint. (Postmark error 406)")


def _posted_sizes(rows) -> list[int]:
    """Each email's Postmark message as a batch would post it, in bytes (attachments base64-encoded in it)."""
    from django.core.mail import get_connection
    from issuance.delivery.transport import outbox_email

    connection = get_connection()
    return [len(connection.build_message_payload(outbox_email(message=row), connection.send_defaults).serialize_data().encode())
            for row in rows]


def test_a_burst_over_the_payload_limit_is_split_into_calls_postmark_takes(settings, postmark_server):
    rows = burst()
    sizes = _posted_sizes(rows)
    limit = 2 + 3 * (max(sizes) + 1)  # three of these emails a call, never four
    assert 4 * (min(sizes) + 1) + 2 > limit
    settings.LAUREL_EMAIL_BATCH_MAX_BYTES = postmark_server.batch_max_bytes = limit

    result = outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert result.sent
    assert [(request["path"], len(request["json"])) for request in postmark_server.requests] == [
        ("/email/batch", 3), ("/email/batch", 3), ("/email/batch", 1)]
    assert all(request["bytes"] <= limit for request in postmark_server.requests)
    sent = list(OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).order_by("created_at", "pk"))
    assert [(row.status, row.provider_message_id) for row in sent] == [(Status.SENT, mid) for mid in postmark_server.accepted]


def test_the_stand_in_refuses_a_batch_over_postmarks_size_whole(postmark_server):
    import requests

    messages = [{"From": "a@example.org", "To": f"b{n}@example.org", "Subject": "Hi", "TextBody": "x" * 400} for n in range(3)]
    postmark_server.batch_max_bytes = 1000
    answer = requests.post(postmark_server.url + "email/batch", json=messages, timeout=5,
                           headers={"X-Postmark-Server-Token": postmark_server.token})

    assert answer.status_code == 413 and "at most 1000" in answer.json()["Message"]
    assert postmark_server.accepted == []
    # The documented figure is its default.
    assert PostmarkServer().batch_max_bytes == 50_000_000


def test_a_batch_refused_whole_for_its_size_leaves_each_email_to_be_sent_alone(settings, postmark_server):
    rows = burst(NAMES[:3])
    postmark_server.batch_max_bytes = 2 + 2 * (max(_posted_sizes(rows)) + 1)  # the service takes less than we were told
    now = timezone.now() + WAITED

    result = outbox_send(message_id=rows[0].pk, now=now)

    assert (result.status, result.permanent) == (Status.QUEUED, False)
    for row in OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]):
        assert (row.status, row.attempts) == (Status.QUEUED, 1)
        assert "refused the batch (413)" in row.last_error and "attachments included" in row.last_error
    for row in rows:
        assert outbox_send(message_id=row.pk, now=now + timedelta(minutes=1)).sent
    assert [request["path"] for request in postmark_server.requests] == ["/email/batch"] + ["/email"] * 3


def test_an_email_too_large_for_any_batch_goes_alone(settings, postmark_server):
    rows = burst(NAMES[:3])
    sizes = _posted_sizes(rows)
    settings.LAUREL_EMAIL_BATCH_MAX_BYTES = postmark_server.batch_max_bytes = min(sizes)  # not even one fits

    assert outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED).sent

    assert [request["path"] for request in postmark_server.requests] == ["/email"] * 3
    assert statuses(rows) == [Status.SENT] * 3
