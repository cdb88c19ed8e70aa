"""The LearnDash WordPress plugin, run by php-cli, signing and posting to the live test server."""

import json
import subprocess
import time
from pathlib import Path

import pytest

from issuance.models import CompletionEvent
from tests.factories.issuance import DEMO_SECRET
from tests.services import require_program

from .conftest import assert_delivered, event_outcome

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "integrations/wordpress/laurel-learndash/laurel-learndash.php"
HARNESS = Path(__file__).with_name("wordpress_harness.php")


@pytest.fixture
def source(make_source):
    return make_source("learndash", secret=DEMO_SECRET, mappings={"812": "SAF-101"})


@pytest.fixture
def complete(live_server, source):
    php = require_program("php", package="php-cli")

    def run(*, email="ana.lima@example.org", secret=DEMO_SECRET, first="Ana", last="Lima", completed=None):
        args = {
            "plugin": str(PLUGIN), "email": email, "completed": completed or int(time.time()) - 60,
            "meta": {"first_name": first, "last_name": last},
            "options": {"laurel_intake_url": f"{live_server.url}/api/v1/sources/{source.slug}/events", "laurel_secret": secret},
        }
        done = subprocess.run([php, str(HARNESS)], input=json.dumps(args), capture_output=True, text=True, timeout=60, check=True)
        return json.loads(done.stdout)

    return run


def test_it_delivers_a_credential_for_a_completion_the_plugin_posts(complete, task_queue, smtp):
    reply = complete()
    assert " 202 " in reply["status"], reply
    event = event_outcome(task_queue, json.loads(reply["body"])["event"])
    assert event.external_id.startswith("learndash-31-812-")
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima"


def test_it_is_refused_with_another_secret_and_nothing_is_stored(complete):
    reply = complete(secret="whsec_bm90LXRoZS1yaWdodC1zZWNyZXQtYXQtYWxs")
    assert " 401 " in reply["status"]
    assert CompletionEvent.objects.count() == 0


def test_it_sends_the_same_completion_as_one_event(complete):
    moment = int(time.time()) - 120
    assert " 202 " in complete(completed=moment)["status"]
    assert " 200 " in complete(completed=moment)["status"]
    assert CompletionEvent.objects.count() == 1


def test_it_carries_any_script_and_parks_a_missing_email(complete, task_queue):
    complete(email="dương.thảo@example.org", first="Dương", last="Thảo", completed=int(time.time()) - 300)
    complete(email="", completed=int(time.time()) - 200)
    task_queue.run()
    processed = CompletionEvent.objects.get(status="processed").issuances.get()
    assert (processed.learner_name, processed.learner.email) == ("Dương Thảo", "dương.thảo@example.org")
    assert CompletionEvent.objects.get(status="parked").park_reason == "email_missing"
