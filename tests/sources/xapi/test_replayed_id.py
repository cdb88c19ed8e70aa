"""A statement id already stored: the same statement again is a duplicate, a different one is 409 Conflict.

xAPI 1.0.3 Part Three §2.1.1 and §2.1.2: the LRS verifies a statement received under an id it holds
matches the one it holds, and answers 409 Conflict when it does not, changing nothing. The
comparison ignores what an LRS itself sets or may set (`stored`, `authority`, `version`, a
`timestamp` it filled in).
"""

import json
import uuid

import pytest
import requests

from issuance.models import CompletionEvent

from tests.sources.xapi.test_statements import KEY, SECRET, statement

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def source(make_source):
    return make_source("xapi", secret=SECRET, settings={"key": KEY})


@pytest.fixture
def statements_url(live_server, source):
    return f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements"


def put(url, body, statement_id):
    return requests.put(url, params={"statementId": statement_id}, json=body, auth=(KEY, SECRET), headers=HEADERS, timeout=30)


def post(url, body):
    return requests.post(url, json=body, auth=(KEY, SECRET), headers=HEADERS, timeout=30)


def test_it_answers_409_to_a_put_of_another_statement_under_a_stored_id_and_keeps_the_first(statements_url):
    first = statement()
    assert put(statements_url, first, first["id"]).status_code == 204
    kept = bytes(CompletionEvent.objects.get().body)
    changed = {**first, "result": {**first["result"], "score": {"scaled": 0.99}}}
    response = put(statements_url, changed, first["id"])
    assert response.status_code == 409, response.text
    assert first["id"] in response.json()["detail"] and "result" in response.json()["detail"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert CompletionEvent.objects.count() == 1 and bytes(CompletionEvent.objects.get().body) == kept


def test_it_answers_409_to_a_post_that_reuses_a_stored_id_and_stores_nothing_of_that_batch(statements_url):
    first = statement()
    assert post(statements_url, first).status_code == 200
    other = statement(actor={"objectType": "Agent", "name": "Ben Okoro", "mbox": "mailto:ben.okoro@example.org"}, statement_id=first["id"])
    fresh = statement()
    response = post(statements_url, [fresh, other])
    assert response.status_code == 409, response.text
    assert first["id"] in response.json()["detail"] and "actor" in response.json()["detail"]
    assert list(CompletionEvent.objects.values_list("external_id", flat=True)) == [first["id"]]


def test_it_still_takes_the_same_statement_again_as_a_duplicate(statements_url):
    first = statement()
    del first["timestamp"]  # Laurel fills timestamp (and stored) in; a retry without them is the same statement
    assert put(statements_url, first, first["id"]).status_code == 204
    retry = json.loads(json.dumps(first))
    retry["version"] = "1.0.0"
    retry["authority"] = {"objectType": "Agent", "mbox": "mailto:lrs@example.org"}
    assert put(statements_url, retry, first["id"]).status_code == 204
    retry_without_id = {k: v for k, v in retry.items() if k != "id"}
    assert put(statements_url, retry_without_id, first["id"]).status_code == 204
    posted = post(statements_url, retry)
    assert posted.status_code == 200 and posted.json() == [first["id"]]
    assert CompletionEvent.objects.count() == 1


def test_it_compares_ids_of_any_case_as_one_statement(statements_url):
    first = statement(statement_id=str(uuid.uuid4()))
    assert put(statements_url, first, first["id"]).status_code == 204
    changed = {**first, "id": first["id"].upper(), "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert put(statements_url, changed, first["id"].upper()).status_code == 409
