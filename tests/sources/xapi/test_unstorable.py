"""An xAPI statement that is not text (a lone surrogate) is parked by name; the rest of its batch goes on."""

import base64
import json
import uuid

import pytest

from issuance.models import CompletionEvent

from tests.sources.conftest import event_outcome

KEY, SECRET = "lrs-key-2", "lrs-secret-surrogate"
ADL = "http://adlnet.gov/expapi/verbs/"


def _statement(name="Ana Lima", mbox="mailto:ana.lima@example.org"):
    return {"id": str(uuid.uuid4()), "timestamp": "2026-01-05T09:58:00Z", "actor": {"name": name, "mbox": mbox},
            "verb": {"id": ADL + "passed"}, "object": {"id": "https://lms.example.edu/courses/saf-101"},
            "result": {"completion": True}}


@pytest.fixture
def post(client, make_source):
    source = make_source("xapi", secret=SECRET, settings={"key": KEY})
    auth = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()

    def send(raw: str):
        return client.post(f"/api/v1/sources/{source.slug}/xapi/statements", data=raw.encode("ascii"), content_type="application/json",
                           HTTP_AUTHORIZATION=auth, HTTP_X_EXPERIENCE_API_VERSION="1.0.3")

    return send


def _with_lone_surrogate(statement) -> str:
    return json.dumps(statement).replace('"Bo Berg"', '"Bo \\ud800Berg"')


@pytest.mark.django_db(transaction=True)
def test_a_batch_stores_and_processes_the_good_statements_and_parks_the_bad_one_by_name(post, task_queue):
    good, bad, other = _statement(), _statement(name="Bo Berg", mbox="mailto:bo@example.org"), _statement(mbox="mailto:cy@example.org")
    raw = "[" + ",".join([json.dumps(good), _with_lone_surrogate(bad), json.dumps(other)]) + "]"
    response = post(raw)
    assert response.status_code == 200
    ids = response.json()
    assert ids[0] == good["id"] and ids[2] == other["id"] and ids[1].startswith("xapi-not-text")
    task_queue.run()
    outcome = dict(CompletionEvent.objects.values_list("external_id", "status"))
    assert outcome == {good["id"]: "processed", ids[1]: "parked", other["id"]: "processed"}
    parked = CompletionEvent.objects.get(external_id=ids[1])
    assert parked.park_reason == "body_not_text"
    assert "actor.name" in json.dumps(parked.errors) and "U+D800" in json.dumps(parked.errors)


@pytest.mark.django_db(transaction=True)
def test_a_single_statement_with_a_lone_surrogate_is_parked_never_a_500(post, task_queue):
    response = post(_with_lone_surrogate(_statement(name="Bo Berg")))
    assert response.status_code < 500
    event = event_outcome(task_queue, CompletionEvent.objects.get().pk)
    assert (event.status, event.park_reason) == ("parked", "body_not_text")
