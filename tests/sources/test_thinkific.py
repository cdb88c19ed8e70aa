"""Thinkific webhooks over real HTTP, signed as Thinkific documents: hex HMAC-SHA256 of the body."""

import hashlib
import hmac
import json

import pytest
import requests

from issuance.models import CompletionEvent

from .conftest import assert_delivered, event_outcome

pytestmark = pytest.mark.django_db(transaction=True)

API_KEY = "thinkific-api-key-0123456789abcdef"


def enrollment_completed(*, event_id="20260105100203118000001", email="ana.lima@example.org", course_id=68, action="completed"):
    return {
        "id": event_id, "resource": "enrollment", "action": action, "tenant_id": "59", "created_at": "2026-01-05T10:02:03.118Z",
        "payload": {
            "id": 3, "course_id": course_id, "course": {"id": course_id, "name": "Safety 101"},
            "user": {"id": 94, "email": email, "first_name": "Ana", "last_name": "Lima"},
            "started_at": "2025-12-01T09:00:00Z", "completed_at": "2026-01-05T09:58:00Z", "percentage_completed": "1.0",
        },
    }


@pytest.fixture
def source(make_source):
    return make_source("thinkific", secret=API_KEY, mappings={"68": "SAF-101"})


@pytest.fixture
def post(live_server, source):
    def send(payload, *, key=API_KEY, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        signature = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Thinkific-Hmac-Sha256": signature, "X-Thinkific-Topic": "enrollment.completed"}
        return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=body, headers=headers, timeout=30)

    return send


def test_it_turns_an_enrollment_completed_into_a_delivered_credential(post, task_queue, smtp):
    response = post(enrollment_completed())
    assert response.status_code == 202
    event = event_outcome(task_queue, response.json()["event"])
    assert event.external_id == "20260105100203118000001"
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima"


def test_it_refuses_a_wrong_signature_with_401_and_stores_nothing(post):
    response = post(enrollment_completed(), key="not-the-api-key")
    assert response.status_code == 401
    assert "X-Thinkific-Hmac-Sha256" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_stores_a_replay_once(post):
    first, again = post(enrollment_completed()), post(enrollment_completed())
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "duplicate"
    assert CompletionEvent.objects.count() == 1


def test_it_keeps_other_topics_as_ignored_events(post, task_queue):
    response = post(enrollment_completed(action="progress"))
    event = event_outcome(task_queue, response.json()["event"])
    assert event.status == CompletionEvent.Status.IGNORED
    assert "enrollment.progress" in event.ignored_reason
    assert not CompletionEvent.objects.filter(status="parked").exists()


def test_it_parks_an_unmapped_course_and_a_missing_email_with_their_reasons(post, task_queue):
    unmapped = post(enrollment_completed(event_id="e-1", course_id=99)).json()["event"]
    no_email = post(enrollment_completed(event_id="e-2", email="")).json()["event"]
    task_queue.run()
    unmapped, no_email = CompletionEvent.objects.get(pk=unmapped), CompletionEvent.objects.get(pk=no_email)
    assert (unmapped.status, unmapped.park_reason) == ("parked", "course_invalid")
    assert unmapped.errors[0]["field"] == "payload.course.id" and "'99'" in unmapped.errors[0]["message"]
    assert (no_email.status, no_email.park_reason) == ("parked", "email_missing")
    assert no_email.errors[0]["field"] == "payload.user.email"


def test_it_accepts_any_script_in_names_and_local_parts(post, task_queue):
    payload = enrollment_completed(email="zoë.ñúñez@example.org")
    payload["payload"]["user"].update(first_name="Zoë", last_name="Ñúñez-Østergård")
    event = event_outcome(task_queue, post(payload).json()["event"])
    assert event.status == "processed", event.errors
    issuance = event.issuances.get()
    assert issuance.learner.email == "zoë.ñúñez@example.org"
    assert issuance.learner_name == "Zoë Ñúñez-Østergård"
