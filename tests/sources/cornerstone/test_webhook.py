"""Cornerstone Edge webhooks: batches of records with x-api-key and, once the Security Token is saved, an HMAC in Authorization.

The sender signs as docs/lms/cornerstone.md says Cornerstone does (csod.dev "Security Features"): an HMAC
over the method, the path, x-content-sha256 (the body's SHA-256) and Date, with the endpoint's Security
Token. The exact string-to-sign is unconfirmed, so it is the source's setting; this sender uses the default.
"""

import base64
import copy
import gzip
import hashlib
import hmac
import json
from email.utils import formatdate

import pytest
import requests

from issuance.models import CompletionEvent

from ..conftest import event_outcome

pytestmark = pytest.mark.django_db(transaction=True)
API_KEY, TOKEN = "csod-x-api-key-4f1e9a0b77", "csod-security-token-9d2c"

# csod.dev's sample up to createdByUserId; completionDate, score and the email are the integration notes' placeholders.
RECORD = {"lag": 12.48, "value": {
    "headers": {"actorId": 33417, "corpName": "acme", "cultureId": 1, "messageId": "8761503e-1195-4d56-9730-ec17ee33e5d2",
                "cloudCorpId": "myazbkxowvjshpt", "cultureName": "en-US", "correlationId": "00000000-0000-0000-0000-000000000000"},
    "lmsEventsCase": "TrainingCompleted",
    "trainingCompleted": {"data": {
        "eventId": "8761503e-1195-4d56-9730-ec17ee33e5d2", "providerId": "70767ee4-fcad-45f3-8630-fa621280e508",
        "trainingId": "8d86b95c-f7a3-434c-9809-b437ecbed6cb", "trainingRef": "8D86B95C-F7A3-434C-9809-B437ECBED6CB",
        "targetUserId": 33417, "targetUserRef": "E10442", "targetUserGuid": "6ebc7096-1378-471d-a433-0c4f794be9da",
        "targetUsername": "ana.lima", "trainingTitle": "Safety 101", "createdByUserId": 33417,
        "transcriptUrl": "https://acme.csod.com/phnx/driver.aspx?routename=Social/UniversalProfile/Transcript&TargetUser=33417",
        "completionDate": "2026-11-14T10:01:59Z", "score": 86, "targetUserEmail": "ana@example.org",
        "targetUserFullName": "Ana Lima"}}}}


def record(event_id: str, **data) -> dict:
    copied = copy.deepcopy(RECORD)
    copied["value"]["trainingCompleted"]["data"].update(eventId=event_id, **data)
    return copied


class Cornerstone:
    """Posts batches to the source's intake as Cornerstone's Edge webhooks do."""

    def __init__(self, url: str):
        self.url = url

    def post(self, records, *, api_key=API_KEY, token=None, date=None, body=None, headers=None):
        body = body if body is not None else json.dumps({"records": records}).encode()
        path = "/" + self.url.split("/", 3)[3]
        send = {"Content-Type": "application/json", "x-api-key": api_key, "Date": date or formatdate(usegmt=True)}
        if token:
            content_sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
            signed = f"POST\n{path}\n{content_sha}\n{send['Date']}".encode()
            send.update({"x-content-sha256": content_sha,
                         "Authorization": base64.b64encode(hmac.new(token.encode(), signed, hashlib.sha256).digest()).decode()})
        return requests.post(self.url, data=body, headers={**send, **(headers or {})}, timeout=30)


@pytest.fixture
def cornerstone(live_server, make_source):
    def make(**settings):
        source = make_source("cornerstone", secret=API_KEY, settings=settings, slug="acme-csod",
                             mappings={"8d86b95c-f7a3-434c-9809-b437ecbed6cb": "SAF-101"})
        return Cornerstone(f"{live_server.url}/api/v1/sources/{source.slug}/events")

    return make


def test_each_record_of_a_batch_is_its_own_event_and_a_replay_is_a_duplicate(cornerstone, task_queue):
    sender = cornerstone()
    assigned = copy.deepcopy(RECORD)
    assigned["value"].update(lmsEventsCase="TrainingAssigned", trainingCompleted=None)
    assigned["value"]["headers"]["messageId"] = "assigned-1"
    response = sender.post([RECORD, assigned])
    assert response.status_code == 202 and len(response.json()["events"]) == 2
    task_queue.run()
    done = CompletionEvent.objects.get(external_id="8761503e-1195-4d56-9730-ec17ee33e5d2")
    issuance = done.issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code, issuance.completion["score"]) == (
        "ana@example.org", "Ana Lima", "SAF-101", "86")
    ignored = CompletionEvent.objects.get(external_id="assigned-1")
    assert (ignored.status, ignored.ignored_reason) == ("ignored", "lmsEventsCase is 'TrainingAssigned', not 'TrainingCompleted'.")
    again = sender.post([RECORD])
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")


def test_a_wrong_api_key_or_hmac_is_refused_and_nothing_is_stored(cornerstone):
    sender = cornerstone(security_token=TOKEN)
    assert sender.post([RECORD], token=TOKEN).status_code == 202
    forged = sender.post([record("forged-1")], token="not-the-token")
    assert forged.status_code == 401 and "HMAC in Authorization does not match" in forged.json()["detail"]
    assert "x-api-key" in sender.post([record("forged-2")], api_key="guess", token=TOKEN).json()["detail"]
    stale = sender.post([record("stale-1")], token=TOKEN, date=formatdate(1_700_000_000, usegmt=True))
    assert stale.status_code == 401 and "Date header is more than 5 minutes" in stale.json()["detail"]
    tampered = sender.post([record("tampered-1")], token=TOKEN, headers={"x-content-sha256": "AAAA"})
    assert tampered.status_code == 401 and "x-content-sha256" in tampered.json()["detail"]
    assert list(CompletionEvent.objects.values_list("external_id", flat=True)) == ["8761503e-1195-4d56-9730-ec17ee33e5d2"]


def test_the_string_to_sign_and_encoding_are_settings(cornerstone):
    sender = cornerstone(security_token=TOKEN, string_to_sign=r"{date}\n{header:x-api-key}", hmac_encoding="hex")
    date = formatdate(usegmt=True)
    signature = hmac.new(TOKEN.encode(), f"{date}\n{API_KEY}".encode(), hashlib.sha256).hexdigest()
    assert sender.post([RECORD], date=date, headers={"Authorization": signature}).status_code == 202


def test_malformed_deliveries_are_stored_and_parked_with_their_reason(cornerstone, task_queue):
    sender = cornerstone()
    unreadable = sender.post([], body=b'{"records": [')
    assert (unreadable.status_code, unreadable.json()["status"]) == (400, "parked")
    assert CompletionEvent.objects.get(pk=unreadable.json()["event"]).park_reason == "body_not_json"
    no_value = event_outcome(task_queue, sender.post([{"lag": 1.0}]).json()["event"])
    assert (no_value.status, no_value.park_reason) == ("parked", "record_invalid")
    no_email = event_outcome(task_queue, sender.post([record("no-email-1", targetUserEmail=None)]).json()["event"])
    assert (no_email.park_reason, no_email.errors[0]["field"]) == ("email_missing", "value.trainingCompleted.data.targetUserEmail")
    gzipped = sender.post([], body=gzip.compress(json.dumps({"records": [RECORD]}).encode()), headers={"Content-Encoding": "gzip"})
    assert gzipped.status_code == 415 and "turn Content Encoding off" in gzipped.json()["detail"]


def test_the_email_path_is_a_setting_and_a_record_without_a_completion_date_takes_the_receipt_time(cornerstone, task_queue):
    sender = cornerstone(email_path="trainingCompleted.data.targetUsername")
    response = sender.post([record("username-mail-1", targetUsername="ana@example.org", completionDate=None)])
    event = event_outcome(task_queue, response.json()["event"])
    assert event.status == "processed", event.errors
    assert event.issuances.get().learner.email == "ana@example.org"
