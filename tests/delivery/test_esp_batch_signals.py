"""anymail's pre_send and post_send signals fire for each email of a Postmark batch as for a single send, so a
listener (an audit hook, a tag added to every email, a cancellation) sees every email, and each one's status."""

from datetime import timedelta

import pytest
from anymail.exceptions import AnymailCancelSend
from anymail.signals import post_send, pre_send
from django.utils import timezone

from issuance.delivery.outbox import outbox_send
from issuance.models import OutboxMessage
from tests.delivery.test_esp_batch import NAMES, WAITED, burst, statuses

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


@pytest.fixture
def heard():
    """What anymail's signals told their receivers: (signal, esp_name, outbox id, status or None)."""
    said = []

    def before(sender, message, esp_name, **kwargs):
        said.append(("pre_send", esp_name, message.metadata["outbox_id"], None))
        message.tags = ["seen-by-pre-send"]  # a receiver may change the message before it is built

    def after(sender, message, status, esp_name, **kwargs):
        said.append(("post_send", esp_name, message.metadata["outbox_id"], status))

    pre_send.connect(before, weak=False)
    post_send.connect(after, weak=False)
    yield said
    pre_send.disconnect(before)
    post_send.disconnect(after)


def _by_signal(said, name):
    return [entry for entry in said if entry[0] == name]


def test_each_email_of_a_batch_is_heard_before_and_after_as_a_single_send_is(postmark_server, heard):
    rows = burst()

    assert outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED).sent

    [request] = postmark_server.requests
    assert request["path"] == "/email/batch"
    assert [message["Tag"] for message in request["json"]] == ["seen-by-pre-send"] * 7
    ids = [str(row.pk) for row in rows]
    assert [(esp, outbox_id) for _, esp, outbox_id, _ in _by_signal(heard, "pre_send")] == [("Postmark", i) for i in ids]
    after = _by_signal(heard, "post_send")
    assert [(esp, outbox_id) for _, esp, outbox_id, _ in after] == [("Postmark", i) for i in ids]
    recorded = {str(row.pk): row.provider_message_id for row in OutboxMessage.objects.filter(pk__in=[row.pk for row in rows])}
    for _, _, outbox_id, status in after:
        assert status.status == {"sent"} and status.message_id == recorded[outbox_id]
        assert status.esp_response.json()["MessageID"] == recorded[outbox_id]


def test_a_refused_recipient_is_heard_with_its_refusal_and_its_neighbours_with_theirs(postmark_server, heard):
    rows = burst(NAMES[:3])
    postmark_server.inactive = {rows[1].recipient.lower()}

    outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED)

    assert [status.status for *_, status in _by_signal(heard, "post_send")] == [{"sent"}, {"rejected"}, {"sent"}]
    assert statuses(rows) == [Status.SENT, Status.FAILED, Status.SENT]


def test_a_pre_send_receiver_cancels_one_email_and_the_others_go(postmark_server, heard):
    rows = burst(NAMES[:3])
    cancelled = str(rows[1].pk)

    def cancel(sender, message, **kwargs):
        if message.metadata["outbox_id"] == cancelled:
            raise AnymailCancelSend("held by a listener")

    pre_send.connect(cancel, weak=False)
    try:
        now = timezone.now() + WAITED
        outbox_send(message_id=rows[0].pk, now=now)
    finally:
        pre_send.disconnect(cancel)

    [request] = postmark_server.requests
    assert [message["Metadata"]["outbox_id"] for message in request["json"]] == [str(rows[0].pk), str(rows[2].pk)]
    assert [outbox_id for _, _, outbox_id, _ in _by_signal(heard, "post_send")] == [str(rows[0].pk), str(rows[2].pk)]
    assert statuses(rows) == [Status.SENT, Status.QUEUED, Status.SENT]  # as a cancelled single send: retried later
    assert "cancelled" in OutboxMessage.objects.get(pk=rows[1].pk).last_error


def test_a_failing_post_send_receiver_loses_no_outcome(postmark_server):
    rows = burst(NAMES[:3])

    def broken(sender, message, **kwargs):
        raise RuntimeError("a listener's bug")

    post_send.connect(broken, weak=False)
    try:
        assert outbox_send(message_id=rows[0].pk, now=timezone.now() + WAITED).sent
    finally:
        post_send.disconnect(broken)

    assert statuses(rows) == [Status.SENT] * 3
    assert len(postmark_server.accepted) == 3


def test_a_single_send_is_heard_the_same_way(postmark_server, heard, settings):
    settings.LAUREL_EMAIL_BATCH_SIZE = 1
    [row] = burst(NAMES[:1])

    assert outbox_send(message_id=row.pk, now=timezone.now() + timedelta(seconds=30)).sent

    assert [(name, esp, outbox_id) for name, esp, outbox_id, _ in heard] == [
        ("pre_send", "Postmark", str(row.pk)), ("post_send", "Postmark", str(row.pk))]
    assert postmark_server.requests[0]["json"]["Tag"] == "seen-by-pre-send"
