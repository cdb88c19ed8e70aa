"""Signed deliveries that are not a good form response: each ends stored and ignored or parked with its reason."""

import json
import time

import pytest

from issuance.models import CompletionEvent
from issuance.sources.settings_schema import SettingsError

from ..conftest import event_outcome
from ..mapped.stand_in import Sender, standard_signature
from .conftest import SECRET

pytestmark = pytest.mark.django_db(transaction=True)

CONTRACT = {"type": "form.submitted", "timestamp": "2026-11-14T10:02:03Z", "data": {
    "source": "google_forms", "form": {"id": "1FAIpQLSd-demo", "title": "Safety 101 – final assessment"},
    "response": {"id": "2_ABaOnuf-demo", "submitted_at": "2026-11-14T10:01:59Z", "respondent_email": "", "score": 17, "max_score": 20},
    "answers": [{"item_id": "1183270461", "title": "Given name", "type": "TEXT", "response": "Ana"},
                {"item_id": "1183270462", "title": "Family name", "type": "TEXT", "response": "Lima"},
                {"item_id": "1960522313", "title": "Work email", "type": "TEXT", "response": "ana@example.org"},
                {"item_id": "20", "title": "Session", "type": "LIST", "response": "SAF-101"},
                {"item_id": "77015210", "title": "Attendance", "type": "TEXT", "response": "75%"}]}}


@pytest.fixture
def post(live_server, make_source):
    source = make_source("google_forms", secret=SECRET, slug="signup-form", settings={
        "email_item": "work email", "name_item": "", "given_name_item": "Given name", "family_name_item": "1183270462",
        "course_item": "Session", "attendance_item": "Attendance"})
    sender = Sender(live_server.url, source.slug)

    def send(body, *, message_id):
        body = body if isinstance(body, bytes) else json.dumps(body).encode()
        stamp = str(int(time.time()))
        return sender.post(body, headers={"webhook-id": message_id, "webhook-timestamp": stamp,
                                          "webhook-signature": standard_signature(SECRET, message_id, stamp, body)})

    return send


def test_it_reads_each_answer_where_the_settings_point(post, task_queue):
    event = event_outcome(task_queue, post(CONTRACT, message_id="2_mapped").json()["event"])
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    issuance = event.issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code) == ("ana@example.org", "Ana Lima", "SAF-101")
    assert (issuance.completion["score"], issuance.completion["attendance"]) == ("85.00", "75")


def test_another_type_is_kept_and_ignored(post, task_queue):
    event = event_outcome(task_queue, post({**CONTRACT, "type": "form.edited"}, message_id="2_edit").json()["event"])
    assert event.status == CompletionEvent.Status.IGNORED
    assert event.ignored_reason == "type is 'form.edited', not 'form.submitted'."


def test_a_contract_without_answers_parks_naming_them(post, task_queue):
    body = {**CONTRACT, "data": {key: value for key, value in CONTRACT["data"].items() if key != "answers"}}
    response = post(body, message_id="2_noanswers")
    assert response.status_code == 202
    event = event_outcome(task_queue, response.json()["event"])
    assert (event.status, event.park_reason, event.errors[0]["field"]) == ("parked", "answers_missing", "data.answers")


def test_an_unreadable_body_is_stored_and_parked(post):
    response = post(b'{"type": "form.submitted", "data": ', message_id="2_cut")
    assert (response.status_code, response.json()["status"]) == (400, "parked")
    event = CompletionEvent.objects.get(external_id="2_cut")
    assert (event.status, event.park_reason) == ("parked", "body_not_json")
    assert bytes(event.body) == b'{"type": "form.submitted", "data": '


def test_a_score_over_no_positive_maximum_parks_as_invalid(post, task_queue):
    body = json.loads(json.dumps(CONTRACT))
    body["data"]["response"]["max_score"] = 0
    event = event_outcome(task_queue, post(body, message_id="2_zero").json()["event"])
    assert (event.status, event.park_reason, event.errors[0]["field"]) == ("parked", "score_invalid", "data.response.score")


def test_the_max_score_setting_wins_over_the_scripts_and_must_be_positive(make_source, post, task_queue):
    make_source("google_forms", secret=SECRET, slug="signup-form", settings={"max_score": "40"})
    event = event_outcome(task_queue, post(CONTRACT, message_id="2_forty").json()["event"])
    assert event.issuances.get().completion["score"] == "42.50"
    with pytest.raises(SettingsError, match="max_score must be a positive number of points, not '0'"):
        make_source("google_forms", secret=SECRET, slug="signup-form", settings={"max_score": "0"})
