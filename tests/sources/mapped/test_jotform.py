"""Jotform: a multipart/form-data post with the answers as JSON in `rawRequest`, authenticated by a secret address."""

import json

import pytest

from issuance.models import CompletionEvent, Source

from .conftest import outcome

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "jotform-secret-address-segment-42"


def parts(*, submission="5912345678901234567", email="ana@example.org", raw=None):
    raw = raw if raw is not None else json.dumps({"q3_fullName": {"first": "Ana", "last": "Lima"}, "q4_email": email, "q7_score": "86"})
    fields = {"formID": "243181234567890", "submissionID": submission, "formTitle": "Safety 101 – attendance", "type": "WEB",
              "ip": "203.0.113.24", "pretty": "Full Name:Ana Lima", "rawRequest": raw}
    return {name: (None, value) for name, value in fields.items()}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="jotform", secret=SECRET, settings={"score_key": "q7_score"}, mappings={"243181234567890": "SAF-101"})
    return lambda files, suffix=f"/{SECRET}": sender(source).post(None, files=files, suffix=suffix)


def test_it_turns_a_submission_into_a_completion_once(post, task_queue):
    response = post(parts())
    assert response.status_code == 202, response.text
    event = outcome(task_queue, response)
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.external_id == "5912345678901234567"
    assert json.loads(bytes(event.body))["submissionID"] == "5912345678901234567"  # the form's fields, kept as JSON
    assert event.issuances.get().learner_name == "Ana Lima"
    assert post(parts()).json()["status"] == "duplicate"


@pytest.fixture
def post_raw(post, sender):
    source = Source.objects.get(dialect="mapped")
    return lambda body, suffix: sender(source).post(body, content_type="multipart/form-data; boundary=zzz", suffix=suffix)


def test_it_refuses_a_wrong_or_missing_address_and_parks_unreadable_answers(post, post_raw, task_queue):
    assert post(parts(), suffix="/guessed-secret-segment").status_code == 401
    assert post(parts(), suffix="").status_code == 401
    parked = outcome(task_queue, post(parts(submission="2", raw="{not json")))
    assert parked.status == CompletionEvent.Status.PARKED and parked.errors[0]["code"] == "json_field_invalid"
    garbled = outcome(task_queue, post_raw(b"--zzz\r\nno parts here", f"/{SECRET}"))
    assert garbled.status == CompletionEvent.Status.PARKED and garbled.errors[0]["code"] in ("json_field_missing", "body_not_json")
    assert CompletionEvent.objects.count() == 2
