"""Laurel as a minimal LRS: statements over real HTTP with HTTP Basic and the xAPI version header."""

import json
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


# PUT statements?statementId= and GET about: what TinCanJS and TinCanPython send (real-systems.md §2).


@pytest.fixture
def put(live_server, source):
    def send(payload, *, statement_id, auth=(KEY, SECRET), version="1.0.2", raw=None):
        url = f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements"
        params = {"statementId": statement_id} if statement_id is not None else {}
        data = raw if raw is not None else json.dumps(payload)
        headers = {"X-Experience-API-Version": version, "Content-Type": "application/json"}
        return requests.put(url, params=params, data=data, auth=auth, headers=headers, timeout=30)

    return send


def test_it_takes_a_put_statement_with_204_and_delivers_it(put, task_queue, smtp):
    sent = statement()
    response = put(sent, statement_id=sent["id"])
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    event = CompletionEvent.objects.get()
    assert event.external_id == sent["id"]
    assert_delivered(event_outcome(task_queue, event.pk), smtp, "ana.lima@example.org")


def test_a_put_statement_without_an_id_takes_the_statement_id(put):
    sent = statement()
    statement_id = sent.pop("id")
    assert put(sent, statement_id=statement_id).status_code == 204
    event = CompletionEvent.objects.get()
    assert event.external_id == statement_id and json.loads(bytes(event.body))["id"] == statement_id


def test_the_same_statement_id_again_is_a_duplicate_by_put_or_post(put, post):
    sent = statement()
    assert [put(sent, statement_id=sent["id"]).status_code for _ in range(2)] == [204, 204]
    assert post(sent).json() == [sent["id"]]
    assert CompletionEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("statement_id", "body_id", "raw", "expected"),
    [
        (None, None, None, "needs exactly one statementId"),
        ("not-a-uuid", None, None, "statementId must be a UUID"),
        ("11111111-2222-4333-8444-555555555555", "99999999-2222-4333-8444-555555555555", None, "differs from statementId"),
        ("11111111-2222-4333-8444-555555555555", None, "[{}]", "takes one statement"),
        ("11111111-2222-4333-8444-555555555555", None, "{not json", "not readable JSON"),
    ],
)
def test_a_put_that_is_not_one_statement_under_its_id_is_400_and_stores_nothing(put, statement_id, body_id, raw, expected):
    sent = statement(statement_id=body_id)
    if body_id is None:
        del sent["id"]
    response = put(sent, statement_id=statement_id, raw=raw)
    assert response.status_code == 400 and expected in response.json()["detail"], response.text
    assert CompletionEvent.objects.count() == 0


def test_a_put_with_wrong_credentials_is_401_before_anything_else(put):
    response = put(statement(), statement_id="not-a-uuid", auth=(KEY, "guess"))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0.3"])
def test_it_accepts_every_1_0_version_header(post, put, version):
    assert post(statement(), version=version).status_code == 200
    sent = statement()
    assert put(sent, statement_id=sent["id"], version=version).status_code == 204


def test_it_refuses_a_version_outside_1_0_naming_the_ones_it_takes(put):
    sent = statement()
    response = put(sent, statement_id=sent["id"], version="2.0.0")
    assert response.status_code == 400
    assert "1.0.0, 1.0.1, 1.0.2, 1.0.3" in response.json()["detail"] and "'2.0.0'" in response.json()["detail"]


def test_about_answers_the_versions_without_credentials(live_server, source, make_source):
    response = requests.get(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/about", timeout=30)
    assert response.status_code == 200 and response.json() == {"version": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]}
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    other = make_source("generic", slug="not-an-lrs", secret="whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=")
    missing = requests.get(f"{live_server.url}/api/v1/sources/{other.slug}/xapi/about", timeout=30)
    assert missing.status_code == 404 and "No active xAPI source" in missing.json()["detail"]


def test_a_method_an_lrs_has_but_laurel_does_not_is_405_in_json(live_server, source):
    response = requests.delete(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements", timeout=30)
    assert response.status_code == 405 and "DELETE" in response.json()["detail"]
