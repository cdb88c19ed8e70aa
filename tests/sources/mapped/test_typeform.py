"""Typeform: `Typeform-Signature: sha256=<base64 HMAC>` over the documented form_response payload."""

import copy
import json

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome
from .stand_in import typeform_signature

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "typeform-webhook-secret"

# The example payload of Typeform's docs (integration notes §6), values invented there.
PAYLOAD = {"event_id": "01JCZ6Q3V8Y2T4N9W5R7", "event_type": "form_response", "form_response": {
    "form_id": "lT4Z3j", "token": "a3a12ec67a1365927098a606107fac15", "landed_at": "2026-11-14T09:51:12Z",
    "submitted_at": "2026-11-14T10:01:59Z", "hidden": {"learner_id": "E10442", "course": "SAF-101"},
    "calculated": {"score": 17}, "variables": [{"key": "score", "type": "number", "number": 17}],
    "definition": {"id": "lT4Z3j", "title": "Safety 101 – final assessment", "fields": [
        {"id": "JwWggjAKtOkA", "title": "Full name", "type": "short_text", "ref": "full_name", "properties": {}},
        {"id": "SMEUb7VJz92Q", "title": "Email", "type": "email", "ref": "email", "properties": {}}]},
    "answers": [
        {"type": "text", "text": "Ana Lima", "field": {"id": "JwWggjAKtOkA", "type": "short_text", "ref": "full_name"}},
        {"type": "email", "email": "ana@example.org", "field": {"id": "SMEUb7VJz92Q", "type": "email", "ref": "email"}},
        {"type": "choice", "choice": {"label": "Hard hat"}, "field": {"id": "k6TP9oLGgHjl", "type": "multiple_choice", "ref": "q_ppe"}}],
    "ending": {"id": "DefaultTyScreen", "ref": "default_tys"}}}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="typeform", secret=SECRET, settings={"name_ref": "full_name"})

    def send(payload, *, key=SECRET):
        body = json.dumps(payload).encode()
        return sender(source).post(body, headers={"Typeform-Signature": typeform_signature(key, body)})

    return send


def test_it_turns_a_signed_form_response_into_a_completion_once(post, task_queue):
    response = post(PAYLOAD)
    assert response.status_code == 202, response.text
    event = outcome(task_queue, response)
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.external_id == "01JCZ6Q3V8Y2T4N9W5R7"
    issuance = event.issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code) == ("ana@example.org", "Ana Lima", "SAF-101")
    assert post(PAYLOAD).json()["status"] == "duplicate"


def test_it_refuses_a_forged_one_and_ignores_or_parks_the_others(post, task_queue):
    assert post(PAYLOAD, key="not-the-secret").status_code == 401
    partial = {**PAYLOAD, "event_id": "partial-1", "event_type": "form_response_partial"}
    no_email = copy.deepcopy({**PAYLOAD, "event_id": "no-email"})
    no_email["form_response"]["answers"] = no_email["form_response"]["answers"][:1]
    ignored, parked = outcome(task_queue, post(partial)), outcome(task_queue, post(no_email))
    assert ignored.status == CompletionEvent.Status.IGNORED
    assert "event_type is 'form_response_partial'" in ignored.ignored_reason
    assert parked.status == CompletionEvent.Status.PARKED
    assert [e["field"] for e in parked.errors] == ["form_response.answers[type=email].email"]
