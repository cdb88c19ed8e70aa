"""Docebo's course.enrollment.completed webhook, authenticated as configured, enriched through a stand-in of Docebo's API."""

import base64
import copy
import hashlib
import hmac
import json

import pytest
import requests

from issuance.models import CompletionEvent
from stand_ins.lms import DoceboServer

from ..conftest import event_outcome

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]
SECRET, CLIENT_ID, CLIENT_SECRET = "docebo-basic-password-31", "laurel-app", "docebo-client-secret-8a"

# The integration notes' sample (§2.1): the common properties and the enrollment payload.
EVENT = {"webhook_id": 12, "original_domain": "academy.example.docebosaas.com", "event": "course.enrollment.completed",
         "fired_by_batch_action": False, "message_id": "wh-20261114-100203-5bf0ce52-91d0-40f",
         "payload": {"fired_at": "2026-11-14 10:02:03", "user_id": 13021, "username": "ana.lima", "course_id": 211,
                     "course_name": "Safety 101", "level": "learner", "enrollment_date": "2026-10-01 09:00:00",
                     "completion_date": "2026-11-14 10:01:59", "enrollment_date_begin_validity": None,
                     "enrollment_date_end_validity": None, "subscribed_by_id": 12301, "status": "completed"}}


@pytest.fixture
def docebo():
    server = DoceboServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    server.users["13021"] = {"user_id": "13021", "username": "ana.lima", "first_name": "Ana", "last_name": "Lima", "email": "ana@example.org"}
    server.enrollments.append({"user_id": 13021, "course_id": 211, "enrollment_status": "completed", "enrollment_score": 88})
    yield server
    server.stop()


@pytest.fixture
def post(live_server, make_source, docebo):
    def make(*, api=True, slug="academy-docebo", **settings):
        if api:
            settings.update(platform_url=docebo.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        source = make_source("docebo", secret=SECRET, settings={"time_zone": "Europe/Lisbon", **settings},
                             mappings={"211": "SAF-101"}, slug=slug)

        def send(event, *, headers=None, body=None):
            data = body if body is not None else json.dumps(event).encode()
            basic = "Basic " + base64.b64encode(f"docebo:{SECRET}".encode()).decode()
            return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=data, timeout=30,
                                 headers={"Content-Type": "application/json", "Authorization": basic, **(headers or {})})

        return send

    return make


def test_a_completion_is_enriched_with_the_users_email_name_and_score_and_issued_once(post, docebo, task_queue):
    send = post()
    event = event_outcome(task_queue, send(EVENT).json()["event"])
    assert event.status == "processed", event.errors
    issuance = event.issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code, issuance.completion["score"]) == (
        "ana@example.org", "Ana Lima", "SAF-101", "88")
    assert issuance.completion["completed_at"].startswith("2026-11-14T10:01:59")  # Lisbon is UTC in November
    assert [r["path"].split("?")[0] for r in docebo.requests] == ["/oauth2/token", "/manage/v1/user/13021", "/learn/v1/enrollments"]
    assert (send(EVENT).status_code, send(EVENT).json()["status"]) == (200, "duplicate")


def test_forged_deliveries_are_refused_and_nothing_is_stored(post):
    send = post()
    wrong = "Basic " + base64.b64encode(b"docebo:guess").decode()
    assert send(EVENT, headers={"Authorization": wrong}).status_code == 401
    token_send = post(auth="token_header", auth_header="X-Laurel-Token")
    assert token_send(EVENT, headers={"X-Laurel-Token": "guess"}).status_code == 401
    assert CompletionEvent.objects.count() == 0


def test_the_hmac_option_checks_a_hex_signature_of_the_body(post, task_queue):
    send = post(auth="hmac")
    body = json.dumps(EVENT).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert send(EVENT, body=body, headers={"X-Docebo-Signature": signature}).status_code == 202
    assert send(EVENT, body=body + b" ", headers={"X-Docebo-Signature": signature}).status_code == 401


def test_another_event_is_ignored_and_malformed_ones_park_with_their_reason(post, docebo, task_queue):
    send = post()
    updated = {**EVENT, "event": "course.enrollment.updated", "message_id": "wh-updated-1"}
    ignored = event_outcome(task_queue, send(updated).json()["event"])
    assert ignored.ignored_reason == "event is 'course.enrollment.updated', not 'course.enrollment.completed'."
    bad_date = copy.deepcopy(EVENT)
    bad_date.update(message_id="wh-bad-date")
    bad_date["payload"]["completion_date"] = "14/11/2026"
    parked = event_outcome(task_queue, send(bad_date).json()["event"])
    assert (parked.park_reason, parked.errors[0]["field"]) == ("completed_at_invalid", "payload.completion_date")
    unreadable = send(None, body=b'{"event": "course.enrollment.completed", ')
    assert (unreadable.status_code, unreadable.json()["status"]) == (400, "parked")


def test_refused_api_credentials_park_naming_them_and_without_an_api_the_username_may_be_the_email(post, docebo, task_queue):
    docebo.client_secret = "rotated"
    refused = event_outcome(task_queue, post()(EVENT).json()["event"])
    assert refused.park_reason == "docebo_credentials" and "client_id and client_secret" in refused.errors[0]["message"]
    send = post(api=False, slug="no-api-docebo")
    mailed = copy.deepcopy(EVENT)
    mailed["payload"]["username"] = "ana@example.org"
    event = event_outcome(task_queue, send(mailed).json()["event"])
    assert (event.status, event.park_reason) == ("parked", "name_missing")  # no API: no name either
    assert event.errors[0]["field"] == "payload.username"
