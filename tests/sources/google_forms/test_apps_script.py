"""The form owner's Apps Script, run by Node, posting to the live test server: what it sends is what Laurel reads."""

import json
import time

import pytest
import requests

from issuance.models import CompletionEvent

from ..conftest import assert_delivered, event_outcome
from ..mapped.stand_in import STANDARD_VECTOR, VECTOR_BODY
from .conftest import FORM, SECRET, AppsScript, form_response
from tests.services import require_program

pytestmark = pytest.mark.django_db(transaction=True)
OTHER_SECRET = "whsec_bm90LXRoZS1yaWdodC1zZWNyZXQtYXQtYWxs"


def test_its_signing_matches_the_integration_notes_vector():
    script = AppsScript(require_program("node", package="nodejs"), "http://127.0.0.1:9/")
    vector = STANDARD_VECTOR
    ran = script.run([["sign", vector["secret"], vector["id"], vector["timestamp"], VECTOR_BODY.decode()]])
    assert ran["results"] == [vector["signature"]]


def test_install_keeps_the_url_and_secret_in_properties_and_adds_its_two_triggers_once(apps_script):
    ran = apps_script.run([["install"], ["install"]])
    assert ran["results"] == [None, None]
    assert ran["properties"] == {"LAUREL_URL": apps_script.url, "LAUREL_SECRET": SECRET}
    assert ran["triggers"] == [{"handler": "laurelOnFormSubmit", "kind": "onFormSubmit", "form": FORM["id"]},
                               {"handler": "laurelRetryPending", "kind": "every 15 minutes"}]


def test_install_refuses_without_a_secret(apps_script):
    ran = apps_script.run([["install"]], secret="")
    assert "Set LAUREL_URL and LAUREL_SECRET" in ran["results"][0]["error"]
    assert ran["triggers"] == []


def test_it_delivers_a_credential_for_a_submitted_response(apps_script, task_queue, smtp):
    ran = apps_script.run([["install"], ["submit", 0]], responses=[form_response()])
    sent = ran["results"][1]
    assert (sent["status"], sent["delivered"]) == (202, True), sent
    assert ran["requests"][0]["headers"]["webhook-id"] == "2_ABaOnuf-demo"
    event = event_outcome(task_queue, json.loads(sent["body"])["event"])
    assert event.external_id == "2_ABaOnuf-demo"
    issuance = assert_delivered(event, smtp, "ana@example.org")
    completion = issuance.completion
    assert (issuance.learner_name, issuance.course.code) == ("Ana Lima", "SAF-101")
    assert (completion["score"], completion["attendance"]) == ("85.00", "100")
    assert completion["extra"]["Company"] == "Acme Ltd"


def test_it_carries_any_script_and_parks_a_response_without_an_email(apps_script, task_queue):
    ran = apps_script.run([["install"], ["submit", 0], ["submit", 1]], responses=[
        form_response("2_dtt", email="dương.thảo@example.org", name="Dương Thảo"), form_response("2_noemail", email="")])
    task_queue.run()
    processed = CompletionEvent.objects.get(external_id="2_dtt").issuances.get()
    assert (processed.learner_name, processed.learner.email) == ("Dương Thảo", "dương.thảo@example.org")
    parked = CompletionEvent.objects.get(external_id="2_noemail")
    assert (parked.status, parked.park_reason) == ("parked", "email_missing")
    assert parked.errors[0]["field"] == "data.response.respondent_email"
    assert ran["results"][2]["status"] == 202 and "LAUREL_PENDING" not in ran["properties"]


def test_a_response_sent_twice_is_one_event(apps_script):
    ran = apps_script.run([["install"], ["submit", 0], ["submit", 0]], responses=[form_response()])
    assert [r["status"] for r in ran["results"][1:]] == [202, 200]
    assert json.loads(ran["results"][2]["body"])["status"] == "duplicate"
    assert CompletionEvent.objects.count() == 1


def test_a_replayed_request_is_a_duplicate_and_a_stale_one_is_refused(apps_script):
    ran = apps_script.run([["install"], ["submit", 0]], responses=[form_response()])
    request = ran["requests"][0]
    again = requests.post(request["url"], data=request["body"].encode(), headers=request["headers"], timeout=30)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    stale = str(int(time.time()) - 600)
    signed = apps_script.run([["sign", SECRET, "2_stale", stale, request["body"]]])["results"][0]
    refused = requests.post(request["url"], data=request["body"].encode(), timeout=30, headers={
        "Content-Type": "application/json", "webhook-id": "2_stale", "webhook-timestamp": stale, "webhook-signature": signed})
    assert refused.status_code == 401 and "more than 5 minutes" in refused.json()["detail"]
    assert CompletionEvent.objects.count() == 1


def test_a_wrong_secret_is_refused_nothing_is_stored_and_the_response_goes_again_once_fixed(apps_script, task_queue):
    forged = apps_script.run([["install"], ["submit", 0]], secret=OTHER_SECRET, responses=[form_response()])
    assert forged["results"][1] == {"delivered": False, "status": 401, "body": forged["results"][1]["body"]}
    assert "signature" in json.loads(forged["results"][1]["body"])["detail"]
    assert CompletionEvent.objects.count() == 0
    assert json.loads(forged["properties"]["LAUREL_PENDING"]) == ["2_ABaOnuf-demo"]
    # Staff paste the right secret and run install again; the next quarter-hour's retry sends it.
    fixed = apps_script.run([["install"], ["laurelRetryPending"]], properties=forged["properties"], responses=[form_response()])
    assert json.loads(fixed["properties"]["LAUREL_PENDING"]) == []
    assert event_outcome(task_queue, CompletionEvent.objects.get().pk).status == CompletionEvent.Status.PROCESSED


def test_a_response_laurel_could_not_take_waits_for_the_retry(apps_script):
    ran = apps_script.run([["install"], ["submit", 0]], url="http://127.0.0.1:9/api/v1/sources/safety-form/events",
                          responses=[form_response()])
    assert ran["results"][1] == {"delivered": False, "status": 0}
    assert json.loads(ran["properties"]["LAUREL_PENDING"]) == ["2_ABaOnuf-demo"]
    assert any("could not reach" in line for line in ran["logs"])
