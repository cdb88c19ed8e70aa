"""The issuance API says why an issuance is parked: its park reason and error, in one issuance and in the list.

A client working the exception queue through the API (a script that resumes issuances once a
score arrives, say) must tell `score_missing` from a failed email without opening the admin.
"""

import pytest
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create

from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=admin_user)[1]}")
    return client


def test_it_gives_a_parked_issuance_its_park_reason_and_error(api, course, smtp):  # noqa: F811
    parked = drive(complete(course, score=None))  # the pass mark needs a score the completion lacks
    assert parked.state == "parked" and parked.park_reason == "score_missing"
    body = api.get(f"/api/v1/issuances/{parked.pk}").json()
    assert (body["state"], body["park_reason"]) == ("parked", "score_missing")
    assert "need the learner's score" in body["error"]


def test_it_gives_an_issuance_that_is_not_parked_no_park_reason(api, course, smtp):  # noqa: F811
    issued = drive(complete(course, score=92))
    body = api.get(f"/api/v1/issuances/{issued.pk}").json()
    assert (body["park_reason"], body["error"]) == (None, None)


def test_it_lists_park_reasons_and_filters_on_them(api, course, smtp):  # noqa: F811
    parked = drive(complete(course, email="ann@learners.example", score=None))
    drive(complete(course, email="bob@learners.example", score=92))
    listed = {row["learner"]["email"]: row["park_reason"] for row in api.get("/api/v1/issuances").json()["results"]}
    assert listed == {"ann@learners.example": "score_missing", "bob@learners.example": None}
    [only] = api.get("/api/v1/issuances", {"park_reason": "score_missing"}).json()["results"]
    assert only["id"] == str(parked.pk)
    assert api.get("/api/v1/issuances", {"park_reason": "attendance_missing"}).json()["count"] == 0


def test_it_documents_the_park_reason_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["Issuance"]["properties"]
    assert fields["park_reason"]["nullable"] is True and "score_missing" in fields["park_reason"]["description"]
    assert fields["error"]["nullable"] is True
    parameters = {p["name"] for p in schema["paths"]["/api/v1/issuances"]["get"]["parameters"]}
    assert "park_reason" in parameters


@pytest.mark.parametrize(("path", "name"), [("/api/v1/issuances", "email"), ("/api/v1/issuances", "course"),
                                            ("/api/v1/issuances", "park_reason"), ("/api/v1/events/", "source")])
def test_a_filter_holding_a_nul_character_is_a_400_naming_it(api, path, name):
    # PostgreSQL refuses a NUL in a query (schemathesis found a 500 on ?email=); SQLite matched nothing.
    answer = api.get(path, {name: "ann\x00@learners.example"})
    assert answer.status_code == 400, answer.content
    assert "NUL" in answer.json()[name]
