"""Moodle's local_webhooks plugin over real HTTP, enriched from a real Moodle web-services server."""

import json
import socket

import pytest
import requests
from django.utils import timezone

from audit.models import AuditRecord
from issuance.intake.parked_events import parked_event_reprocess
from issuance.models import CompletionEvent
from issuance.sweep import completion_events_sweep
from tests.factories.courses import CourseFactory, StaffUserFactory

from tests.sources.conftest import assert_delivered, event_outcome
from stand_ins.lms import MoodleWebServices

pytestmark = pytest.mark.django_db(transaction=True)

PLUGIN_TOKEN = "plugin-shared-token-5f2a"
WS_TOKEN = "ws-token-9c81"


def course_completed(*, user="57", course="12", eventname="\\core\\event\\course_completed", token=PLUGIN_TOKEN, at=1767607080):
    return {
        "eventname": eventname, "component": "core", "action": "completed", "target": "course",
        "objecttable": "course_completions", "objectid": "881", "crud": "u", "edulevel": 2, "contextid": 345,
        "contextlevel": 50, "contextinstanceid": course, "userid": "2", "courseid": course, "relateduserid": user,
        "anonymous": 0, "other": None, "timecreated": at, "host": "lms.example.edu", "token": token, "extra": "",
    }


@pytest.fixture
def moodle():
    server = MoodleWebServices(token=WS_TOKEN).start()
    server.users["57"] = {"id": 57, "email": "łucja.kowalska@example.org", "firstname": "Łucja", "lastname": "Kowalska", "fullname": "Łucja Kowalska"}
    server.users["58"] = {"id": 58, "email": "ana.lima@example.org", "firstname": "Ana", "lastname": "Lima", "fullname": "Ana Lima"}
    server.completed |= {("57", "12"), ("58", "12"), ("58", "13")}
    server.course_totals[("58", "12")] = (43.5, 50)
    server.courses["12"] = {"id": 12, "shortname": "SAF-101", "fullname": "Safety 101"}
    server.courses["13"] = {"id": 13, "shortname": "UNKNOWN-9", "fullname": "Something else"}
    yield server
    server.stop()


@pytest.fixture
def source(make_source, moodle):
    return make_source("moodle", secret=PLUGIN_TOKEN, settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN})


@pytest.fixture
def post(live_server, source):
    def send(payload, content_type="application/json"):
        return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=json.dumps(payload).encode(),
                             headers={"Content-Type": content_type}, timeout=30)

    return send


def test_it_enriches_a_completion_from_web_services_into_a_delivered_credential(post, task_queue, smtp, moodle):
    response = post(course_completed(user="58"))
    assert response.status_code == 202
    event = event_outcome(task_queue, response.json()["event"])
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima" and issuance.course.code == "SAF-101"
    assert issuance.completion["score"] == "87.00"  # course total 43.5 of 50
    assert {r["form"]["wsfunction"] for r in moodle.requests} == {
        "core_user_get_users_by_field", "core_completion_get_course_completion_status",
        "gradereport_user_get_grade_items", "core_course_get_courses_by_field",
    }


def test_it_keeps_the_body_but_not_the_token(post):
    event = CompletionEvent.objects.get(pk=post(course_completed()).json()["event"])
    assert PLUGIN_TOKEN.encode() not in bytes(event.body)
    assert json.loads(bytes(event.body))["relateduserid"] == "57"


def test_it_accepts_whatever_content_type_the_plugin_was_set_to(post):
    assert post(course_completed(), content_type="text/plain").status_code == 202


def test_it_refuses_a_wrong_token_with_401_and_stores_nothing(post):
    response = post(course_completed(token="guess"))
    assert response.status_code == 401 and "token" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_refuses_addresses_outside_the_allowed_list(make_source, live_server, moodle):
    source = make_source("moodle", slug="moodle-walled", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN, "allowed_addresses": "203.0.113.0/24"})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    assert response.status_code == 401 and "127.0.0.1" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_stores_a_replay_once(post):
    assert [post(course_completed()).status_code for _ in range(2)] == [202, 200]
    assert CompletionEvent.objects.get().external_id == "moodle:57:12:1767607080"


def test_it_keeps_other_events_as_ignored(post, task_queue, moodle):
    event = event_outcome(task_queue, post(course_completed(eventname="\\core\\event\\user_loggedin")).json()["event"])
    assert event.status == "ignored" and "user_loggedin" in event.ignored_reason
    assert moodle.requests == []  # nothing to fetch for a non-completion


def test_it_accepts_any_script_in_names_and_local_parts(post, task_queue):
    event = event_outcome(task_queue, post(course_completed(user="57")).json()["event"])
    assert event.status == "processed", event.errors
    assert event.issuances.get().learner.email == "łucja.kowalska@example.org"


@pytest.mark.parametrize(
    ("failure", "reason", "says"),
    [
        ((200, {"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"}), "moodle_invalidtoken", "ws_token"),
        ((200, {"exception": "required_capability_exception", "errorcode": "nopermissions", "message": "Sorry, but you do not currently have permissions to do that (View user profiles)."}), "moodle_capability_missing", "capability"),
    ],
)
def test_it_parks_a_permanent_web_services_failure_at_once_with_a_reason_that_names_the_fix(post, task_queue, moodle, failure, reason, says):
    moodle.fail_with = failure
    event = event_outcome(task_queue, post(course_completed()).json()["event"])
    assert (event.status, event.park_reason) == ("parked", reason)
    assert says in event.errors[0]["message"]
    assert event.enrichment_attempts == 0 and len(moodle.requests) == 1  # not retried


def run_due_retries(task_queue, event_id, *, rounds: int) -> CompletionEvent:
    """As the sweep does every minute: once an event's wait is over, queue it again; the worker runs it."""
    for _ in range(rounds):
        CompletionEvent.objects.filter(pk=event_id, next_attempt_at__isnull=False).update(next_attempt_at=timezone.now())
        completion_events_sweep(stalled_after=3600)
        task_queue.run()
    return CompletionEvent.objects.get(pk=event_id)


@pytest.mark.parametrize(
    "failure",
    [
        (503, {"error": "maintenance"}),
        (200, {"exception": "moodle_exception", "errorcode": "sitemaintenance", "message": "Site is undergoing maintenance"}),
    ],
)
def test_it_retries_a_passing_failure_with_growing_waits_and_delivers_when_moodle_answers(post, task_queue, smtp, moodle, settings, failure):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60, 300, 900]
    moodle.fail_with, moodle.fail_times = failure, 2  # the first two calls fail, then Moodle answers
    event_id = post(course_completed(user="58")).json()["event"]
    before = timezone.now()
    event = event_outcome(task_queue, event_id)
    assert (event.status, event.enrichment_attempts, event.park_reason) == ("accepted", 1, "")
    assert 55 <= (event.next_attempt_at - before).total_seconds() <= 65
    assert event.errors[0]["code"] == "moodle_unavailable"
    # Its wait is not over: an early copy of its task (or a sweep) leaves it alone.
    assert completion_events_sweep(stalled_after=0) == []
    task_queue.run()
    assert CompletionEvent.objects.get(pk=event_id).enrichment_attempts == 1
    event = run_due_retries(task_queue, event_id, rounds=1)
    assert (event.status, event.enrichment_attempts) == ("accepted", 2)
    assert 295 <= (event.next_attempt_at - timezone.now()).total_seconds() <= 300
    event = run_due_retries(task_queue, event_id, rounds=1)
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima" and event.next_attempt_at is None
    tries = [r for r in moodle.requests if r["form"]["wsfunction"] == "core_user_get_users_by_field"]
    assert len(tries) == 3
    details = list(AuditRecord.objects.filter(event_id=event_id).values_list("detail", flat=True))
    assert sum("Try 1 of 4 at the sender's API failed, trying again in 60 s" in d for d in details) == 1


def test_it_parks_once_the_retries_are_used_up_naming_the_tries(post, task_queue, moodle, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60, 60]
    moodle.fail_with = (502, {"error": "bad gateway"})
    event_id = post(course_completed()).json()["event"]
    event_outcome(task_queue, event_id)
    event = run_due_retries(task_queue, event_id, rounds=2)
    assert (event.status, event.park_reason, event.enrichment_attempts) == ("parked", "moodle_unavailable", 3)
    message = event.errors[0]["message"]
    assert "HTTP 502" in message and "Tried 3 times since" in message and "reprocess" in message
    assert len(moodle.requests) == 3


def test_it_retries_when_nothing_listens_at_moodle_url(make_source, live_server, task_queue, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60]
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = make_source("moodle", slug="moodle-gone", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": f"http://127.0.0.1:{port}", "ws_token": WS_TOKEN})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    assert (event.status, event.enrichment_attempts) == ("accepted", 1)
    event = run_due_retries(task_queue, event.pk, rounds=1)
    assert (event.status, event.park_reason) == ("parked", "moodle_unavailable")
    assert "did not answer core_user_get_users_by_field" in event.errors[0]["message"]


def test_reprocessing_a_parked_event_starts_a_fresh_count_of_tries(post, task_queue, moodle, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = []  # no retry: the first passing failure parks
    moodle.fail_with = (503, {"error": "maintenance"})
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert (event.status, event.enrichment_attempts, event.park_reason) == ("parked", 1, "moodle_unavailable")
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60]
    assert parked_event_reprocess(event_id=event.pk, user=StaffUserFactory()) == "retrying"
    event.refresh_from_db()
    assert (event.status, event.enrichment_attempts) == ("accepted", 1)  # counted afresh, not the 2nd of 1
    moodle.fail_with = None
    assert run_due_retries(task_queue, event.pk, rounds=1).status == "processed"


def test_the_guard_refuses_a_private_moodle_url_and_the_event_parks_saying_so(post, task_queue, moodle, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    event = event_outcome(task_queue, post(course_completed()).json()["event"])
    assert (event.status, event.park_reason) == ("parked", "moodle_url_refused")
    message = event.errors[0]["message"]
    assert "may not call moodle_url" in message and "https" in message and "LAUREL_ALLOW_PRIVATE_TARGETS" in message
    assert moodle.requests == []  # refused before anything left


def test_the_guard_refuses_an_https_moodle_url_that_resolves_to_a_private_address(make_source, live_server, task_queue, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    source = make_source("moodle", slug="moodle-inside", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": "https://localhost:9", "ws_token": WS_TOKEN})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    assert (event.status, event.park_reason) == ("parked", "moodle_url_refused")
    assert "private, loopback or link-local" in event.errors[0]["message"]


def test_it_parks_an_unknown_user_an_unmappable_course_and_an_unconfirmed_completion(post, task_queue, moodle):
    moodle.users["59"] = {"id": 59, "email": "", "firstname": "Noor", "lastname": "Haddad", "fullname": "Noor Haddad"}
    moodle.completed.add(("59", "12"))
    ids = {
        "unknown user": post(course_completed(user="99")).json()["event"],
        "no email": post(course_completed(user="59")).json()["event"],
        "unmappable course": post(course_completed(user="58", course="13")).json()["event"],
        "not completed": post(course_completed(user="58", course="14")).json()["event"],
    }
    task_queue.run()
    reasons = {label: CompletionEvent.objects.get(pk=pk).park_reason for label, pk in ids.items()}
    assert reasons == {"unknown user": "moodle_user_unknown", "no email": "email_missing",
                       "unmappable course": "course_invalid", "not completed": "moodle_not_completed"}
    course_error = CompletionEvent.objects.get(pk=ids["unmappable course"]).errors[0]["message"]
    assert "'13'" in course_error and "UNKNOWN-9" in course_error


def test_its_mapping_table_wins_over_the_shortname(make_source, source, post, task_queue, course, org):
    other = CourseFactory(organization=org, code="SAF-102", title="Safety 102", achievement=course.achievement)
    make_source("moodle", slug=source.slug, mappings={"12": "SAF-102"})
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert event.issuances.get().course == other
