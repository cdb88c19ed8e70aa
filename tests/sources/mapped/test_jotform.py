"""Jotform: a multipart/form-data post with the answers as JSON in `rawRequest`, authenticated by a secret address
and confirmed through a stand-in of Jotform's API (`GET /submission/{id}` with the `APIKEY` header)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from issuance.models import CompletionEvent, Source

from .conftest import outcome

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "jotform-secret-address-segment-42"
API_KEY = "jotform-api-key-0001"
KNOWN = "5912345678901234567"


class JotformApi(BaseHTTPRequestHandler):
    """GET /submission/{id}: 401 without the key, 404 for an unknown submission, else the submission as Jotform answers it."""

    def do_GET(self):
        submission = self.path.rsplit("/", 1)[-1]
        if self.headers.get("APIKEY") != API_KEY:
            status, body = 401, {"responseCode": 401, "message": "You're not authorized to use (/submission-id) "}
        elif submission != KNOWN:
            status, body = 404, {"responseCode": 404, "message": "Submission not found"}
        else:
            status, body = 200, {"responseCode": 200, "message": "success",
                                 "content": {"id": KNOWN, "form_id": "243181234567890", "status": "ACTIVE", "created_at": "2026-11-14 10:01:59"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def jotform_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), JotformApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def parts(*, submission=KNOWN, email="ana@example.org", raw=None):
    raw = raw if raw is not None else json.dumps({"q3_fullName": {"first": "Ana", "last": "Lima"}, "q4_email": email, "q7_score": "86"})
    fields = {"formID": "243181234567890", "submissionID": submission, "formTitle": "Safety 101 – attendance", "type": "WEB",
              "ip": "203.0.113.24", "pretty": "Full Name:Ana Lima", "rawRequest": raw}
    return {name: (None, value) for name, value in fields.items()}


@pytest.fixture
def make_post(mapped_source, sender, jotform_api):
    def make(*, confirmation="api", api_key=API_KEY):
        source = mapped_source(preset="jotform", secret=SECRET, api_key=api_key, slug=f"jotform-{confirmation}",
                               settings={"score_key": "q7_score", "confirmation": confirmation, "api_base": jotform_api},
                               mappings={"243181234567890": "SAF-101"})
        return lambda files, suffix=f"/{SECRET}": sender(source).post(None, files=files, suffix=suffix)

    return make


def test_it_turns_a_confirmed_submission_into_a_completion_once(make_post, task_queue):
    post = make_post()
    response = post(parts())
    assert response.status_code == 202, response.text
    event = outcome(task_queue, response)
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.external_id == KNOWN
    assert json.loads(bytes(event.body))["submissionID"] == KNOWN  # the form's fields, kept as JSON
    assert event.issuances.get().learner_name == "Ana Lima"
    assert post(parts()).json()["status"] == "duplicate"


def test_it_parks_a_submission_jotform_does_not_know_or_a_refused_key(make_post, task_queue):
    unknown = outcome(task_queue, make_post()(parts(submission="1111")))
    assert unknown.status == CompletionEvent.Status.PARKED
    assert unknown.errors[0]["code"] == "confirmation_disagrees" and "404" in unknown.errors[0]["message"]
    refused = outcome(task_queue, make_post(confirmation="api", api_key="wrong-key")(parts(submission="2222")))
    assert refused.errors[0]["code"] == "confirmation_key_refused"


def test_it_refuses_a_wrong_or_missing_address_and_parks_unreadable_answers(make_post, sender, task_queue):
    post = make_post(confirmation="off")
    assert post(parts(), suffix="/guessed-secret-segment").status_code == 401
    assert post(parts(), suffix="").status_code == 401
    parked = outcome(task_queue, post(parts(submission="2", raw="{not json")))
    assert parked.status == CompletionEvent.Status.PARKED and parked.errors[0]["code"] == "json_field_invalid"
    source = Source.objects.get(slug="jotform-off")
    garbled = sender(source).post(b"--zzz\r\nno parts here", content_type="multipart/form-data; boundary=zzz", suffix=f"/{SECRET}")
    garbled = outcome(task_queue, garbled)
    assert garbled.status == CompletionEvent.Status.PARKED and garbled.errors[0]["code"] in ("json_field_missing", "body_not_json")
    assert CompletionEvent.objects.count() == 2
