"""iSpring Learn: `X-Hub-Signature` = SHA-256(body ‖ secret) in hex, over a list of same-type events."""

import json

import pytest

from issuance.models import CompletionEvent

from .stand_in import ispring_signature

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "ispring-subscriber-secret"


def completed(user, *, email="ana@example.org", date="2026-11-14T10:01:59", kind="COURSE_COMPLETED_SUCCESSFULLY"):
    return {"type": kind, "userId": user, "userEmail": email, "userName": "Ana Lima", "courseId": "crs-7", "completionDate": date}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="ispring", secret=SECRET, settings={"time_zone": "Europe/Berlin", "name_path": "userName"}, mappings={"crs-7": "SAF-101"})

    def send(payload, *, key=SECRET):
        body = json.dumps(payload).encode()
        return sender(source).post(body, headers={"X-Hub-Signature": ispring_signature(key, body)})

    return send


def test_it_processes_each_event_of_a_batch_and_parks_only_the_bad_one(post, task_queue):
    batch = [completed("u-1"), completed("u-2", email="bad"), completed("u-3", email="bo@example.org", date="14/11/2026")]
    response = post(batch)
    assert response.status_code == 202 and len(response.json()["events"]) == 3
    task_queue.run()
    statuses = dict(CompletionEvent.objects.values_list("external_id", "status"))
    assert statuses == {
        "mapped:ana@example.org:crs-7:2026-11-14T10:01:59": "processed",
        "mapped:bad:crs-7:2026-11-14T10:01:59": "parked",
        "mapped:bo@example.org:crs-7:14/11/2026": "parked",
    }
    # A time without a zone is read in the source's time zone (Berlin is UTC+1 in November).
    issuance = CompletionEvent.objects.get(status="processed").issuances.get()
    assert issuance.completion["completed_at"] == "2026-11-14T10:01:59+01:00"
    assert post(batch[:1]).json()["status"] == "duplicate"


def test_it_refuses_a_forged_batch_and_ignores_other_events(post, task_queue):
    assert post([completed("u-1")], key="forged").status_code == 401
    assert post([completed("u-9", kind="USER_REGISTERED")]).status_code == 202
    task_queue.run()
    ignored = CompletionEvent.objects.get()
    assert ignored.status == CompletionEvent.Status.IGNORED and "'USER_REGISTERED'" in ignored.ignored_reason
