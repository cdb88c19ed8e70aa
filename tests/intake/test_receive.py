"""Storing a signed request: once per webhook-id, and queued only with the stored event."""

import json

import pytest
from django.db import transaction

from issuance.intake.receive import completion_events_known, completion_events_store, webhook_event_store
from issuance.models import CompletionEvent

from .conftest import generic_event

BODY = json.dumps(generic_event()).encode()


def _store(source, message_id="msg_1", body=BODY):
    return webhook_event_store(source=source, message_id=message_id, headers={}, body=body)


def test_it_answers_duplicate_with_the_first_event_and_keeps_the_transaction_usable(source):
    # The test runs inside a transaction, as a caller's request may: the failed insert must not
    # break it (PostgreSQL refuses every later statement unless a savepoint was rolled back).
    first, outcome = _store(source)
    again, second_outcome = _store(source, body=b'{"something": "else"}')
    assert (outcome, second_outcome) == ("accepted", "duplicate")
    assert again.pk == first.pk
    assert bytes(CompletionEvent.objects.get().body) == BODY  # the first body stays


@pytest.mark.django_db(transaction=True)
def test_it_queues_one_task_for_a_stored_event_and_none_for_a_rolled_back_one(source, task_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        _store(source, message_id="msg_rolled_back")
        raise RuntimeError("the caller's transaction fails after the store")
    assert task_queue.run() == 0
    assert not CompletionEvent.objects.exists()
    _store(source, message_id="msg_kept")
    _store(source, message_id="msg_kept")
    assert task_queue.run() == 1
    assert CompletionEvent.objects.get().status == CompletionEvent.Status.PROCESSED


def _event(source, external_id, channel):
    return CompletionEvent(source=source, external_id=external_id, channel=channel, headers={}, body=BODY)


def test_every_channel_stores_an_event_once_by_the_same_rule_and_the_transaction_stays_usable(source):
    Channel = CompletionEvent.Channel
    _store(source, message_id="lms:42")  # pushed by webhook first

    assert completion_events_store(events=[_event(source, "lms:42", Channel.POLL)]) == []  # then found by a poll
    assert completion_events_store(events=[_event(source, "lms:42", Channel.FORM)]) == []
    batch = [_event(source, external_id, Channel.CSV) for external_id in ("lms:42", "csv:2", "csv:3")]
    assert [event.external_id for event in completion_events_store(events=batch)] == ["csv:2", "csv:3"]

    assert completion_events_known(source=source, external_ids=["lms:42", "csv:3", "csv:4"]) == {"lms:42", "csv:3"}
    assert sorted(CompletionEvent.objects.values_list("external_id", "channel")) == [
        ("csv:2", Channel.CSV), ("csv:3", Channel.CSV), ("lms:42", Channel.WEBHOOK)]


def test_a_second_delivery_is_an_answer_never_a_stored_status(source):
    _store(source)
    again, outcome = _store(source)
    assert outcome == "duplicate" and again.status == CompletionEvent.Status.ACCEPTED
    assert "duplicate" not in CompletionEvent.Status.values
