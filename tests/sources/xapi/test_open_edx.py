"""Open edX's event-routing-backends as docs/lms/open-edx.md connects it: its `passed` statement through TinCanPython's RemoteLRS.

event-routing-backends sends through `RemoteLRS(endpoint=<route URL>, username, password).save_statement`;
the statement below is its own test fixture for `edx.course.grade.passed.first_time`, with the actor
as its `XAPI_AGENT_IFI_TYPE` setting makes it (`mbox`, or the default anonymous `account`).
"""

import copy

import pytest
from tincan import RemoteLRS, Statement

from issuance.models import CompletionEvent

pytestmark = pytest.mark.django_db(transaction=True)

KEY, SECRET = "openedx", "openedx-lrs-secret-7f3"
COURSE_IRI = "http://localhost:18000/course/course-v1:edX+DemoX+Demo_Course"
PASSED_FIRST_TIME = {
    "id": "6d1f033b-3f70-458c-b53a-e6bb63cbaef9",
    "actor": {"objectType": "Agent", "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"}},
    "object": {"definition": {"extensions": {}, "name": {"en": "Demonstration Course"}, "type": "http://adlnet.gov/expapi/activities/course"},
               "id": COURSE_IRI, "objectType": "Activity"},
    "timestamp": "2020-07-15T06:36:01.917775+00:00",
    "verb": {"display": {"en": "passed"}, "id": "http://adlnet.gov/expapi/verbs/passed"},
    "version": "1.0.3",
}


@pytest.fixture
def lrs(live_server, make_source):
    source = make_source("xapi", secret=SECRET, settings={"key": KEY}, mappings={COURSE_IRI: "SAF-101"}, slug="openedx")
    return RemoteLRS(endpoint=f"{live_server.url}/api/v1/sources/{source.slug}/xapi/", username=KEY, password=SECRET)


def statement(actor: dict, statement_id: str) -> Statement:
    data = copy.deepcopy(PASSED_FIRST_TIME)
    data["actor"], data["id"] = actor, statement_id
    return Statement(data)


def test_a_passed_statement_with_the_learners_mbox_and_name_is_issued(lrs, task_queue):
    actor = {"objectType": "Agent", "mbox": "mailto:ana@example.org", "name": "Ana Lima"}
    saved = lrs.save_statement(statement(actor, "6d1f033b-3f70-458c-b53a-e6bb63cbaef9"))
    assert saved.success and saved.response.status == 204
    task_queue.run()
    issuance = CompletionEvent.objects.get().issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code) == ("ana@example.org", "Ana Lima", "SAF-101")


def test_without_a_name_it_parks_as_name_missing_and_the_default_anonymous_actor_names_its_account(lrs, task_queue):
    lrs.save_statement(statement({"objectType": "Agent", "mbox": "mailto:ana@example.org"}, "6d1f033b-3f70-458c-b53a-e6bb63cbaef1"))
    lrs.save_statement(statement(PASSED_FIRST_TIME["actor"], "6d1f033b-3f70-458c-b53a-e6bb63cbaef2"))
    task_queue.run()
    reasons = dict(CompletionEvent.objects.values_list("external_id", "park_reason"))
    assert reasons == {"6d1f033b-3f70-458c-b53a-e6bb63cbaef1": "name_missing",
                       "6d1f033b-3f70-458c-b53a-e6bb63cbaef2": "xapi_account_without_email"}
