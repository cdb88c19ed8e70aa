"""LearnWorlds: `Learnworlds-Webhook-Signature: v1=<value>`, a pre-shared value or (per source) a hex HMAC."""

import hashlib
import hmac
import json

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "lw-pre-shared-signature-value"


def completed(*, kind="courseCompleted", completed_at=1763114519.73):
    return {"version": 2, "type": kind, "trigger": "course_completed", "school_id": "60004a6de11ac0798538ccc2",
            "data": {"completed_at": completed_at, "manually_completed": False, "ip_address": None,
                     "course": {"id": "safety-101", "title": "Safety 101"},
                     "user": {"id": "6130afb278d2c94eeb228d12", "email": "ana@example.org", "username": "ana.lima",
                              "first_name": "Ana", "last_name": "Lima", "tags": ["cohort-11"]}}}


@pytest.fixture
def source(mapped_source):
    return lambda mode: mapped_source(preset="learnworlds", secret=SECRET, settings={"signature": mode},
                                      mappings={"safety-101": "SAF-101"}, slug=f"learnworlds-{mode}")


def test_it_takes_the_static_signature_once_and_refuses_another(source, sender, task_queue):
    post = sender(source("static")).post
    event = outcome(task_queue, post(completed(), headers={"Learnworlds-Webhook-Signature": f"v1={SECRET}"}))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.issuances.get().learner_name == "Ana Lima"
    assert event.external_id == "mapped:ana@example.org:safety-101:1763114519.73"
    assert post(completed(), headers={"Learnworlds-Webhook-Signature": f"v1={SECRET}"}).json()["status"] == "duplicate"
    assert post(completed(), headers={"Learnworlds-Webhook-Signature": "v1=guess"}).status_code == 401


def test_it_checks_an_hmac_when_the_source_says_so_and_ignores_or_parks_the_others(source, sender, task_queue):
    post = sender(source("hmac")).post

    def signed(payload, key=SECRET):
        body = json.dumps(payload).encode()
        return post(body, headers={"Learnworlds-Webhook-Signature": "v1=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()})

    assert post(completed(), headers={"Learnworlds-Webhook-Signature": f"v1={SECRET}"}).status_code == 401
    ignored = outcome(task_queue, signed(completed(kind="userRegistered")))
    parked = outcome(task_queue, signed(completed(completed_at="soon")))
    assert ignored.status == CompletionEvent.Status.IGNORED and "'userRegistered'" in ignored.ignored_reason
    assert parked.status == CompletionEvent.Status.PARKED and parked.errors[0]["code"] == "completed_at_invalid"
