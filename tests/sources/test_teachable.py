"""Teachable webhooks over real HTTP: hex HMAC-SHA256 of the body, in a configurable header."""

import hashlib
import hmac
import json

import pytest
import requests

from issuance.models import CompletionEvent

from .conftest import assert_delivered, event_outcome

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "teachable-webhook-secret-42"


def enrollment(*, event_id=9001, kind="Enrollment.completed", email="björn.ek@example.org", course_id=2001):
    return {
        "id": event_id, "type": kind, "created": "2026-01-05T10:00:00Z",
        "object": {"course_id": course_id, "course": {"id": course_id, "name": "Safety 101"},
                   "user": {"id": 77, "email": email, "name": "Björn Ek"}, "completed_at": "2026-01-05T09:58:00Z"},
    }


@pytest.fixture
def source(make_source):
    return make_source("teachable", secret=SECRET, mappings={"2001": "SAF-101"})


@pytest.fixture
def post(live_server, source):
    def send(payload, *, key=SECRET, header="X-Teachable-Signature"):
        body = json.dumps(payload).encode()
        signature = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        return requests.post(
            f"{live_server.url}/api/v1/sources/{source.slug}/events", data=body,
            headers={"Content-Type": "application/json", header: signature}, timeout=30,
        )

    return send


def test_it_turns_an_enrollment_completed_into_a_delivered_credential(post, task_queue, smtp):
    response = post(enrollment(email="ana.lima@example.org"))
    assert response.status_code == 202
    assert_delivered(event_outcome(task_queue, response.json()["event"]), smtp, "ana.lima@example.org")


def test_it_stores_each_event_of_an_array_as_its_own_event(post, task_queue):
    response = post([enrollment(event_id=1), enrollment(event_id=2, kind="Enrollment.created")])
    assert response.status_code == 202
    assert [e["status"] for e in response.json()["events"]] == ["accepted", "accepted"]
    task_queue.run()
    assert dict(CompletionEvent.objects.values_list("external_id", "status")) == {"1": "processed", "2": "ignored"}


def test_it_reads_the_signature_from_the_header_the_source_names(make_source, live_server, post):
    source = make_source("teachable", slug="teachable-custom", secret=SECRET, settings={"signature_header": "Teachable-Signature"})
    body = json.dumps(enrollment()).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    url = f"{live_server.url}/api/v1/sources/{source.slug}/events"
    assert requests.post(url, data=body, headers={"Content-Type": "application/json", "Teachable-Signature": signature}, timeout=30).status_code == 202
    assert requests.post(url, data=body, headers={"Content-Type": "application/json", "X-Teachable-Signature": signature}, timeout=30).status_code == 401


def test_it_refuses_a_wrong_signature_with_401_and_stores_nothing(post):
    assert post(enrollment(), key="another-secret").status_code == 401
    assert CompletionEvent.objects.count() == 0


def test_it_stores_a_replay_once(post):
    assert [post(enrollment()).status_code for _ in range(3)] == [202, 200, 200]
    assert CompletionEvent.objects.count() == 1


def test_it_parks_an_unmapped_course_and_a_missing_email(post, task_queue):
    post(enrollment(event_id=5, course_id=404))
    post(enrollment(event_id=6, email=None))
    task_queue.run()
    reasons = dict(CompletionEvent.objects.values_list("external_id", "park_reason"))
    assert reasons == {"5": "course_invalid", "6": "email_missing"}
