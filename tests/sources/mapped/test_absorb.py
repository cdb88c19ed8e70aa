"""Absorb: `absorb-signature`, a bare lowercase hex HMAC-SHA256 of the body; lean events park until an email is known."""

import json

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome
from .stand_in import absorb_signature

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "absorb-secret-key-0001"


def event(*, name="CourseCompleted", user="2f0c-77", email="ana@example.org", timestamp="2026-11-14T10:01:59Z"):
    # Absorb's payload fields are a skeleton (unconfirmed); the email is there only where the source's email_path says.
    return {"eventName": name, "clientId": "demo-tenant", "userId": user, "courseId": "8a1d-42",
            "enrollmentId": "c7e2-9", "timestamp": timestamp, "userEmail": email, "userName": "Ana Lima"}


@pytest.fixture
def make_post(mapped_source, sender):
    def make(settings):
        source = mapped_source(preset="absorb", secret=SECRET, settings=settings, mappings={"8a1d-42": "SAF-101"},
                               slug=f"absorb-{len(settings)}")

        def send(payload, *, key=SECRET):
            body = json.dumps(payload).encode()
            return sender(source).post(body, headers={"absorb-signature": absorb_signature(key, body)})

        return send

    return make


def test_it_takes_a_course_completed_event_once_when_the_email_path_is_set(make_post, task_queue):
    post = make_post({"email_path": "userEmail", "name_path": "userName"})
    processed = outcome(task_queue, post(event()))
    assert processed.status == CompletionEvent.Status.PROCESSED, processed.errors
    # No id in the body: it is derived from learner, course and completion time, so a retry is a duplicate.
    assert processed.external_id == "mapped:ana@example.org:8a1d-42:2026-11-14T10:01:59Z"
    assert post(event()).json()["status"] == "duplicate"


def test_it_refuses_a_forged_one_and_ignores_or_parks_the_others(make_post, task_queue):
    post = make_post({})
    assert post(event(), key="forged").status_code == 401
    ignored = outcome(task_queue, post(event(name="UserCreated")))
    lean = outcome(task_queue, post(event(user="lean-1")))
    assert ignored.status == CompletionEvent.Status.IGNORED and "'UserCreated'" in ignored.ignored_reason
    assert lean.status == CompletionEvent.Status.PARKED
    assert any(error["field"] == "email" for error in lean.errors), lean.errors
