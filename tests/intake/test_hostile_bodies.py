"""Signed bodies built to break the parser or the database end parked with a reason, never in a 5xx."""

import io
import json

import pytest
import requests
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from issuance.api.v1.webhooks import SourceEventsWebhook

from issuance.intake.tasks import completion_events_process
from issuance.models import CompletionEvent, Issuance
from issuance.sweep import completion_events_sweep

from .conftest import generic_event

pytestmark = pytest.mark.django_db(transaction=True)

MAX_BODY_BYTES = 256 * 1024
DEEP_LISTS = "[" * 100_000
DEEP_OBJECTS = '{"a":' * 20_000


@pytest.mark.parametrize("raw", [DEEP_LISTS, DEEP_OBJECTS, "[" * 40 + "]" * 40], ids=["lists", "objects", "depth-40"])
def test_it_parks_deeply_nested_json_and_never_answers_duplicate_for_an_unprocessed_event(sender, raw):
    first = sender.post(None, raw=raw, message_id="msg_deep")
    assert first.status_code == 400, first.text
    assert first.json()["status"] == "parked"
    assert "nested more than 32 levels" in first.json()["detail"]
    event = CompletionEvent.objects.get(pk=first.json()["event"])
    assert event.status == CompletionEvent.Status.PARKED and event.park_reason == "body_too_deep"
    assert bytes(event.body) == raw.encode()
    again = sender.post(None, raw=raw, message_id="msg_deep")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"  # true now: it is in the queue


@pytest.mark.parametrize(
    "name, shown",
    [("Ana \\ud800 Lima", "lone UTF-16 surrogate (U+D800)"), ("Ana \\udfff", "lone UTF-16 surrogate (U+DFFF)"),
     ("Ana\\u0000Lima", "NUL character")],
)
def test_it_parks_a_name_that_no_database_can_store_as_text(sender, task_queue, name, shown):
    raw = json.dumps(generic_event()).replace('"Ana Lima"', f'"{name}"')
    response = sender.post(None, raw=raw, message_id="msg_text")
    assert response.status_code == 400, response.text
    event = CompletionEvent.objects.get(pk=response.json()["event"])
    assert event.park_reason == "body_not_text"
    assert event.errors[0]["field"] == "data.learner.name"
    assert shown in event.errors[0]["message"]
    assert task_queue.run() == 0 and Issuance.objects.count() == 0


def test_it_keeps_a_valid_surrogate_pair_as_the_character_it_encodes(sender, task_queue):
    raw = json.dumps(generic_event()).replace('"Ana Lima"', '"Ana \\ud83c\\udf3f Lima"')
    assert sender.post(None, raw=raw, message_id="msg_pair").status_code == 202
    task_queue.run()
    assert Issuance.objects.get().learner_name == "Ana \U0001f33f Lima"


def test_it_parks_in_the_worker_a_stored_event_too_deep_to_parse(source, task_queue):
    # As an event stored before the limit existed: accepted, its task queued by the sweep.
    event = CompletionEvent.objects.create(source=source, external_id="old", body=DEEP_LISTS.encode())
    completion_events_process(str(event.pk))
    event.refresh_from_db()
    assert event.status == CompletionEvent.Status.PARKED and event.park_reason == "body_too_deep"


def test_it_shows_any_stored_body_in_the_admin_escaped(admin_client, source):
    bodies = {
        "deep": DEEP_OBJECTS.encode(),
        "binary": b"\xff\xfe<b>\x00\x01 caf\xc3\xa9",
        "surrogate": b'{"name": "\\ud800<i>"}',
    }
    for external_id, body in bodies.items():
        event = CompletionEvent.objects.create(source=source, external_id=external_id, body=body, status="parked")
        for view in ("admin:issuance_completionevent_change", "admin:issuance_parkedevent_change"):
            page = admin_client.get(reverse(view, args=[event.pk]))
            assert page.status_code == 200, (external_id, view)
            text = page.content.decode()
            if external_id == "binary":
                assert "\\xff\\xfe&lt;b&gt;\\x00\\x01 café" in text
            if external_id == "surrogate":
                assert "\\ud800&lt;i&gt;" in text


def test_it_parks_an_event_whose_processing_keeps_failing_unexpectedly(sender, task_queue, settings, database_refuses_issuances):
    settings.LAUREL_POISON_FAILURES = 3
    event_id = sender.post(generic_event(), message_id="msg_poison").json()["event"]
    task_queue.run()  # first try, as queued by the request
    event = CompletionEvent.objects.get(pk=event_id)
    assert event.status == CompletionEvent.Status.ACCEPTED and event.failures == 1
    for expected_failures in (2, 3):  # the sweep tries it again each time it finds it stalled
        assert completion_events_sweep(stalled_after=0) == [event.pk]
        task_queue.run()
        event.refresh_from_db()
        assert event.failures == expected_failures
    assert event.status == CompletionEvent.Status.PARKED and event.park_reason == "processing_failed"
    assert "failed 3 times with an unexpected error" in event.errors[0]["message"]
    assert "no new issuances today" in event.errors[0]["message"]
    assert completion_events_sweep(stalled_after=0) == []  # never picked up again


@pytest.fixture
def database_refuses_issuances(db):
    """A database trigger that rejects every new issuance: a fault the code did not foresee."""
    table = Issuance._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER refuse_issuances BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'no new issuances today'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_issuances() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'no new issuances today'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(f"CREATE TRIGGER refuse_issuances BEFORE INSERT ON {table} EXECUTE FUNCTION refuse_issuances()")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER refuse_issuances{'' if connection.vendor == 'sqlite' else ' ON ' + table}")
        if connection.vendor != "sqlite":
            cursor.execute("DROP FUNCTION refuse_issuances()")


def test_it_answers_411_with_a_message_to_a_chunked_body_it_cannot_read(sender):
    body = json.dumps(generic_event()).encode()
    headers = sender.signed_headers(body.decode(), message_id="msg_chunked")
    response = requests.post(sender.url, data=iter([body[:100], body[100:]]), headers=headers, timeout=30)
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def _chunked_request(sender, body: bytes, message_id: str):
    """The request as a server that de-chunks (gunicorn) hands it over: no Content-Length, input ended."""
    headers = sender.signed_headers(body.decode(), message_id=message_id)
    request = RequestFactory().generic(
        "POST", f"/api/v1/sources/{sender.source.slug}/events", b"", content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if name != "content-type"},
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.META["CONTENT_TYPE"] = "application/json"
    request.META["wsgi.input"] = io.BytesIO(body)
    request.META["wsgi.input_terminated"] = True
    return SourceEventsWebhook.as_view()(request, slug=sender.source.slug)


def test_it_reads_a_chunked_body_from_a_server_that_de_chunks_it(sender):
    body = json.dumps(generic_event()).encode()
    response = _chunked_request(sender, body, "msg_chunked_ok")
    assert response.status_code == 202, response.data
    assert bytes(CompletionEvent.objects.get(external_id="msg_chunked_ok").body) == body


def test_it_refuses_a_chunked_body_over_the_limit(sender):
    body = json.dumps(generic_event(padding="x" * MAX_BODY_BYTES)).encode()
    response = _chunked_request(sender, body, "msg_chunked_big")
    assert response.status_code == 413
    assert CompletionEvent.objects.count() == 0
