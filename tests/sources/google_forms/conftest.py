"""The form owner's Apps Script, run by Node against the live test server, and a Google Forms source to receive it."""

import json
import subprocess
from pathlib import Path

import pytest

from issuance.sources.google_forms import google_forms_script
from tests.services import require_program

HARNESS = Path(__file__).with_name("apps_script_harness.js")
SECRET = "whsec_bGF1cmVsLTM2MC1kZW1vLXNpZ25pbmcta2V5LTMyYiE="  # the integration notes' Standard Webhooks vector key

# A form as the integration notes show one (§5.3): a name, a company, an attendance box and a graded question.
FORM = {"id": "1FAIpQLSd-demo", "title": "Safety 101 – final assessment", "is_quiz": True, "items": [
    {"id": 1183270461, "title": "Full name", "type": "TEXT"},
    {"id": 1960522313, "title": "Company", "type": "TEXT"},
    {"id": 77015210, "title": "I confirm I attended", "type": "CHECKBOX"},
    {"id": 55501234, "title": "What does LOTO stand for?", "type": "MULTIPLE_CHOICE", "points": 20},
]}


def form_response(response_id="2_ABaOnuf-demo", *, email="ana@example.org", name="Ana Lima", score=17, attended=True):
    answers = [{"item_id": 1183270461, "response": name}, {"item_id": 1960522313, "response": "Acme Ltd"},
               {"item_id": 55501234, "response": "Lock out, tag out", "score": score}]
    if attended:
        answers.append({"item_id": 77015210, "response": ["Yes"]})
    return {"id": response_id, "timestamp": "2026-11-14T10:01:59.000Z", "respondent_email": email, "answers": answers}


class AppsScript:
    """One run of the script: its properties, the form and its responses, the functions called in order."""

    def __init__(self, node: str, url: str):
        self.node, self.url = node, url

    def run(self, calls, *, responses=(), secret=SECRET, properties=None, form=FORM, url=None):
        script = google_forms_script(intake_url=url or self.url, secret=secret)
        document = {"script": script, "properties": properties or {}, "form": form, "responses": list(responses), "calls": calls}
        done = subprocess.run([self.node, str(HARNESS)], input=json.dumps(document), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def source(make_source):
    return make_source("google_forms", secret=SECRET, settings={"attendance_item": "I confirm I attended"},
                       mappings={"1FAIpQLSd-demo": "SAF-101"}, slug="safety-form")


@pytest.fixture
def apps_script(live_server, source):
    node = require_program("node", package="nodejs")
    return AppsScript(node, f"{live_server.url}/api/v1/sources/{source.slug}/events")
