"""Polling the Forms API with a service account: a real server on 127.0.0.1 speaking Google's token endpoint and responses.list."""

import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, SourcePoll
from issuance.sources.settings_schema import SettingsError
from stand_ins.lms import GoogleFormsServer

from ..mapped.stand_in import Sender, standard_signature
from .conftest import SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]
FORM_ID = "1FAIpQLSd-api-demo"
CLIENT_EMAIL = "laurel-poller@harbour-forms.iam.gserviceaccount.com"

# forms.get as the Forms API documents it (integration notes §5.1 B): items with their question ids, a quiz.
FORM = {"formId": FORM_ID, "info": {"title": "Safety 101 – final assessment"}, "settings": {"quizSettings": {"isQuiz": True}},
        "items": [{"itemId": "1183270461", "title": "Full name", "questionItem": {"question": {"questionId": "6e1a2b3c", "textQuestion": {}}}},
                  {"itemId": "77015210", "title": "What does LOTO stand for?", "questionItem": {"question": {
                      "questionId": "0f9d8c7b", "grading": {"pointValue": 20}, "choiceQuestion": {"type": "RADIO"}}}}]}


def api_response(n: int, *, email="ana@example.org", name="Ana Lima", minute=1):
    return {"responseId": f"ACYDBNj-{n}", "createTime": f"2026-11-14T10:{minute:02d}:58.112Z",
            "lastSubmittedTime": f"2026-11-14T10:{minute:02d}:59.004Z", "respondentEmail": email, "totalScore": 17,
            "answers": {"6e1a2b3c": {"questionId": "6e1a2b3c", "textAnswers": {"answers": [{"value": name}]}},
                        "0f9d8c7b": {"questionId": "0f9d8c7b", "grade": {"score": 17, "correct": True},
                                     "textAnswers": {"answers": [{"value": "Lock out, tag out"}]}}}}


@pytest.fixture
def google():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = GoogleFormsServer(client_email=CLIENT_EMAIL, public_key=private.public_key()).start()
    server.forms[FORM_ID] = FORM
    server.private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode()
    yield server
    server.stop()


def key_file(google, **overrides) -> str:
    return json.dumps({"type": "service_account", "client_email": CLIENT_EMAIL, "private_key": google.private_pem,
                       "private_key_id": "k1", "token_uri": google.token_uri, **overrides})


@pytest.fixture
def source(make_source, google):
    return make_source("google_forms", settings={"service_account_key": key_file(google), "forms_api_url": google.url},
                       mappings={FORM_ID: "SAF-101"}, slug="polled-form")


def test_it_pages_the_responses_issues_each_once_and_asks_only_for_newer_ones(source, google, worker):
    google.responses[FORM_ID] = [api_response(n, email=f"learner{n}@example.org", name=f"Learner {n}", minute=n) for n in range(1, 4)]
    google.responses[FORM_ID][1]["respondentEmail"] = None  # the form stopped collecting addresses for one
    first = source_poll(source=source)
    worker.run()
    assert (first.found, first.new, first.outcome) == (3, 3, "done"), first.detail
    issued = CompletionEvent.objects.get(external_id="ACYDBNj-1").issuances.get()
    assert (issued.learner_name, issued.course.code, issued.completion["score"]) == ("Learner 1", "SAF-101", "85.00")
    assert CompletionEvent.objects.get(external_id="ACYDBNj-2").park_reason == "email_missing"
    google.responses[FORM_ID].append(api_response(4, email="learner4@example.org", minute=30))
    second = source_poll(source=source)
    assert (second.found, second.new) == (1, 1)
    listed = [r["path"] for r in google.requests if r["path"].startswith(f"/v1/forms/{FORM_ID}/responses")]
    assert "filter=timestamp+%3E+2026-11-14T10%3A03%3A59.004Z" in listed[-1]


def test_a_response_the_script_already_posted_is_one_event(source, google, live_server, task_queue):
    body = json.dumps({"type": "form.submitted", "data": {"form": {"id": FORM_ID}, "response": {
        "id": "ACYDBNj-1", "submitted_at": "2026-11-14T10:01:59Z", "respondent_email": "ana@example.org"},
        "answers": [{"item_id": "1183270461", "title": "Full name", "response": "Ana Lima"}]}}).encode()
    source.signing_secret = SECRET
    source.save()
    stamp = str(int(time.time()))
    Sender(live_server.url, source.slug).post(body, headers={
        "webhook-id": "ACYDBNj-1", "webhook-timestamp": stamp, "webhook-signature": standard_signature(SECRET, "ACYDBNj-1", stamp, body)})
    google.responses[FORM_ID] = [api_response(1)]
    report = source_poll(source=source)
    assert (report.found, report.new) == (1, 0)
    assert CompletionEvent.objects.count() == 1


def test_a_response_the_script_posted_under_another_id_is_one_event_and_another_learners_is_not(source, google, live_server):
    """Apps Script's getId() and the Forms API's responseId are taken to be the same string, unconfirmed: when they are
    not, the form, the learner's email and the second it was submitted still name the one response."""
    body = json.dumps({"type": "form.submitted", "data": {"form": {"id": FORM_ID}, "response": {
        "id": "2_ABaOnuf-script-id", "submitted_at": "2026-11-14T10:01:59.000Z", "respondent_email": "Ana@Example.org"},
        "answers": [{"item_id": "1183270461", "title": "Full name", "response": "Ana Lima"}]}}).encode()
    source.signing_secret = SECRET
    source.save()
    stamp = str(int(time.time()))
    assert Sender(live_server.url, source.slug).post(body, headers={
        "webhook-id": "2_ABaOnuf-script-id", "webhook-timestamp": stamp,
        "webhook-signature": standard_signature(SECRET, "2_ABaOnuf-script-id", stamp, body)}).status_code == 202
    google.responses[FORM_ID] = [api_response(1), api_response(2, email="ben@example.org", name="Ben Okoro")]
    report = source_poll(source=source)
    assert (report.found, report.new) == (2, 1)
    assert sorted(CompletionEvent.objects.values_list("external_id", flat=True)) == ["2_ABaOnuf-script-id", "ACYDBNj-2"]


def test_a_key_google_refuses_parks_the_source_and_a_bad_key_file_is_refused(make_source, google):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    source = make_source("google_forms", settings={"service_account_key": key_file(google, private_key=other), "forms_api_url": google.url},
                         mappings={FORM_ID: "SAF-101"}, slug="wrong-key")
    report = source_poll(source=source)
    state = SourcePoll.objects.get(source=source)
    assert report.outcome == "failed" and state.status == SourcePoll.Status.PARKED
    assert "Invalid JWT Signature" in state.last_error
    with pytest.raises(SettingsError, match="service_account_key must be the service account's JSON key"):
        make_source("google_forms", settings={"service_account_key": "{\"client_email\": \"x\"}"}, slug="half-key")


def test_a_form_not_shared_with_the_service_account_parks_naming_the_fix(make_source, google):
    source = make_source("google_forms", settings={"service_account_key": key_file(google), "forms_api_url": google.url},
                         mappings={"1FAIpQLSd-not-shared": "SAF-101"}, slug="unshared")
    report = source_poll(source=source)
    assert report.outcome == "failed" and SourcePoll.objects.get(source=source).status == SourcePoll.Status.PARKED
    assert "share the form with the service account" in SourcePoll.objects.get(source=source).last_error
