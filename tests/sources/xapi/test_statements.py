"""Laurel as a minimal LRS: statements over real HTTP with HTTP Basic and the xAPI version header."""

import uuid

import pytest
import requests

from issuance.models import CompletionEvent
from issuance.intake.parked_events import parked_event_correct
from django.contrib.auth import get_user_model

from tests.sources.conftest import assert_delivered, event_outcome

pytestmark = pytest.mark.django_db(transaction=True)

KEY, SECRET = "lrs-key-1", "lrs-secret-7a9"
ADL = "http://adlnet.gov/expapi/verbs/"


def statement(*, verb="passed", actor=None, object_id="https://lms.example.edu/courses/saf-101", score=None, statement_id=None, result=None):
    body = {
        "id": statement_id or str(uuid.uuid4()), "timestamp": "2026-01-05T09:58:00Z",
        "actor": actor or {"objectType": "Agent", "name": "Ana Lima", "mbox": "mailto:ana.lima@example.org"},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"id": object_id, "definition": {"name": {"en-US": "Safety 101"}}},
        "result": result if result is not None else {"score": score or {"scaled": 0.86, "raw": 86, "min": 0, "max": 100}, "success": True, "completion": True},
    }
    return body


@pytest.fixture
def source(make_source):
    return make_source("xapi", secret=SECRET, settings={"key": KEY})


@pytest.fixture
def post(live_server, source):
    def send(payload, *, auth=(KEY, SECRET), version="1.0.3"):
        headers = {"X-Experience-API-Version": version} if version else {}
        return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements", json=payload, auth=auth, headers=headers, timeout=30)

    return send


def test_it_answers_a_passed_statement_with_its_id_and_delivers_the_credential(post, task_queue, smtp):
    sent = statement()
    response = post(sent)
    assert response.status_code == 200 and response.json() == [sent["id"]]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    issuance = assert_delivered(event_outcome(task_queue, CompletionEvent.objects.get().pk), smtp, "ana.lima@example.org")
    assert issuance.completion["score"] == "86" and issuance.course.code == "SAF-101"


def test_it_stores_each_statement_of_an_array_and_gives_ids_to_those_without(post, task_queue):
    unnamed = statement()
    del unnamed["id"]
    batch = [statement(), statement(verb="experienced", result={}), unnamed]
    ids = post(batch).json()
    assert len(ids) == 3 and ids[:2] == [batch[0]["id"], batch[1]["id"]] and uuid.UUID(ids[2])
    task_queue.run()
    assert dict(CompletionEvent.objects.values_list("external_id", "status")) == {ids[0]: "processed", ids[1]: "ignored", ids[2]: "processed"}


def test_it_takes_raw_over_max_when_there_is_no_scaled_score(post, task_queue):
    post(statement(score={"raw": 45, "max": 50}))
    task_queue.run()
    assert CompletionEvent.objects.get().completion["score"] == "90.00"


def test_it_refuses_wrong_credentials_with_401_and_stores_nothing(post):
    response = post(statement(), auth=(KEY, "guess"))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert post(statement(), auth=None).status_code == 401
    assert CompletionEvent.objects.count() == 0


def test_it_requires_the_version_header(post):
    response = post(statement(), version=None)
    assert response.status_code == 400 and "X-Experience-API-Version" in response.json()["detail"]
    assert post(statement(), version="0.95").status_code == 400
    assert CompletionEvent.objects.count() == 0


def test_it_stores_a_replayed_statement_once(post):
    sent = statement()
    assert post(sent).json() == post(sent).json() == [sent["id"]]
    assert CompletionEvent.objects.count() == 1


def test_it_keeps_other_verbs_as_ignored(post, task_queue):
    post(statement(verb="attempted", result={"completion": False}))
    task_queue.run()
    event = CompletionEvent.objects.get()
    assert event.status == "ignored" and "attempted" in event.ignored_reason


def test_it_parks_an_account_without_email_naming_it_then_knows_it_once_staff_gave_the_address(post, task_queue):
    account = {"objectType": "Agent", "name": "Chidi Okafor", "account": {"homePage": "https://lms.example.edu", "name": "chidi-42"}}
    post(statement(actor=account))
    task_queue.run()
    event = CompletionEvent.objects.get()
    assert (event.status, event.park_reason) == ("parked", "xapi_account_without_email")
    assert "https://lms.example.edu|chidi-42" in event.errors[0]["message"] and event.errors[0]["field"] == "actor.account"

    staff = get_user_model().objects.create_user("staff", is_staff=True)
    assert parked_event_correct(event_id=event.pk, user=staff, corrections={"email": "chidi.okafor@example.org"}) == "processed"
    later = post(statement(actor=account)).json()[0]
    assert event_outcome(task_queue, CompletionEvent.objects.get(external_id=later).pk).issuances.get().learner.email == "chidi.okafor@example.org"


def test_it_parks_an_unmappable_activity(post, task_queue):
    post(statement(object_id="https://lms.example.edu/courses/unknown-7"))
    task_queue.run()
    assert CompletionEvent.objects.get().park_reason == "course_invalid"


def test_it_accepts_any_script_in_names_and_local_parts(post, task_queue):
    post(statement(actor={"name": "Aïcha Benali", "mbox": "mailto:aïcha.benali@example.org"}))
    task_queue.run()
    issuance = CompletionEvent.objects.get().issuances.get()
    assert (issuance.learner_name, issuance.learner.email) == ("Aïcha Benali", "aïcha.benali@example.org")
