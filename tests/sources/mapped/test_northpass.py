"""Northpass: `X-Northpass-Hmac-SHA256` base64 HMAC over a JSON:API course_completed_events body."""

import json

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome
from .stand_in import northpass_signature

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "northpass-school-secret"


def completed(*, event_id="3c9e1f0a-0001", kind="course_completed_events", created_at="2026-11-14T10:02:03Z"):
    return {"data": {"id": event_id, "type": kind, "links": {}, "attributes": {"created_at": created_at},
                     "relationships": {"person": {"data": {"id": "abcd-1234", "type": "people"}},
                                       "course": {"data": {"id": "c0ffee-42", "type": "courses"}}},
                     "included": [{"id": "abcd-1234", "type": "people", "attributes": {
                         "name": "Ana Lima", "email": "ana@example.org", "sso_uid": "E10442", "first_name": "Ana", "full_name": "Ana Lima"}}]}}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="northpass", secret=SECRET, mappings={"c0ffee-42": "SAF-101"})

    def send(payload, *, key=SECRET):
        body = json.dumps(payload).encode()
        return sender(source).post(body, headers={"X-Northpass-Hmac-SHA256": northpass_signature(key, body)})

    return send


def test_it_turns_a_course_completed_event_into_a_completion_once(post, task_queue):
    event = outcome(task_queue, post(completed()))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.issuances.get().learner.email == "ana@example.org"
    assert post(completed()).json()["status"] == "duplicate"


def test_it_refuses_a_forged_one_and_ignores_or_parks_the_others(post, task_queue):
    assert post(completed(), key="forged").status_code == 401
    ignored = outcome(task_queue, post(completed(event_id="e2", kind="learner_created_events")))
    parked = outcome(task_queue, post(completed(event_id="e3", created_at="yesterday")))
    assert ignored.status == CompletionEvent.Status.IGNORED and "learner_created_events" in ignored.ignored_reason
    assert parked.status == CompletionEvent.Status.PARKED
    assert parked.errors[0]["code"] == "completed_at_invalid" and parked.errors[0]["field"] == "data.attributes.created_at"
