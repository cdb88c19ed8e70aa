"""360Learning: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), the id being the event's."""

import json
import time

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome
from .stand_in import STANDARD_VECTOR, standard_signature

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = STANDARD_VECTOR["secret"]


def awarded(*, kind="user.certificate.awarded", email="ana@example.org"):
    return {"type": kind, "timestamp": "2026-11-14T10:02:03Z",
            "data": {"userId": "64f0-1", "userEmail": email, "userName": "Ana Lima", "courseId": "65a1-2", "certificateId": "6611-3"}}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="360learning", secret=SECRET, settings={"name_path": "data.userName"}, mappings={"65a1-2": "SAF-101"})

    def send(payload, *, message_id, key=SECRET, timestamp=None):
        body = json.dumps(payload).encode()
        stamp = str(timestamp or int(time.time()))
        return sender(source).post(body, headers={"webhook-id": message_id, "webhook-timestamp": stamp,
                                                  "webhook-signature": standard_signature(key, message_id, stamp, body)})

    return send


def test_it_turns_a_certificate_awarded_event_into_a_completion_once(post, task_queue):
    event = outcome(task_queue, post(awarded(), message_id="msg_1"))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.external_id == "msg_1"
    assert post(awarded(), message_id="msg_1").json()["status"] == "duplicate"


def test_it_refuses_forged_and_stale_ones_and_ignores_or_parks_the_others(post, task_queue):
    assert post(awarded(), message_id="msg_2", key="whsec_" + "Zm9yZ2VkLWtleS1mb3JnZWQta2V5LWZvcmdlZC1rZXk=").status_code == 401
    stale = post(awarded(), message_id="msg_3", timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401 and "5 minutes" in stale.json()["detail"]
    ignored = outcome(task_queue, post(awarded(kind="user.created"), message_id="msg_4"))
    parked = outcome(task_queue, post(awarded(email="not-an-address"), message_id="msg_5"))
    assert ignored.status == CompletionEvent.Status.IGNORED and "'user.created'" in ignored.ignored_reason
    assert parked.status == CompletionEvent.Status.PARKED and parked.errors[0]["field"] == "data.userEmail", parked.errors
