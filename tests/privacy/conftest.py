"""Two learners of one organisation whose records overlap (a CSV upload, a stored batch, a staff digest), issued
through the real pipeline: webhooks in, certificates rendered, email over a local SMTP server, a webhook subscriber."""

import io
import json
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from issuance.intake.csv_import import csv_import
from issuance.intake.digests import staff_digest_send
from issuance.intake.processing import completion_event_process
from issuance.intake.receive import webhook_event_store
from issuance.models import CompletionEvent, Credential, Issuance, Learner
from issuance.outbound.connections import connection_add
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.transitions import issuance_fail
from tests.factories.courses import AchievementFactory, CourseFactory
from tests.factories.issuance import SourceFactory
from tests.intake.conftest import generic_event
from stand_ins.outbound.receivers import WebhookReceiver
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401 (fixtures)

SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    external_id: str


# Names in scripts a Latin-only search would miss, and an address that differs from the stored one by case.
ANNA = Person("anna.petrova@learners.example", "Анна Петрова", "lms-anna-7")
WANG = Person("wang.xiaoming@learners.example", "王小明", "lms-wang-9")


@dataclass
class World:
    org: object
    source: object
    receiver: WebhookReceiver
    credentials: dict
    batch: CompletionEvent


def _post(source, person: Person, message_id: str, *, ascii_json: bool) -> CompletionEvent:
    payload = generic_event(course={"id": "FA-1", "title": "First Aid"}, score=91,
                            learner={"id": person.external_id, "email": person.email, "name": person.name})
    body = json.dumps(payload, ensure_ascii=ascii_json).encode("utf-8")
    event, outcome = webhook_event_store(source=source, message_id=message_id,
                                         headers={"content-type": "application/json", "user-agent": "LMS/1.0"}, body=body)
    assert outcome == "accepted"
    completion_event_process(event_id=event.pk)
    return event


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 2


@pytest.fixture
def world(org, course, smtp, settings, tmp_path, admin_user, django_capture_on_commit_callbacks):  # noqa: F811
    settings.MAIL_DIR = tmp_path / "mail"
    source = SourceFactory(organization=org, slug="harbour-lms")
    with WebhookReceiver(secret=SECRET) as receiver:
        connection_add(organization=org, kind="webhook", secret=SECRET, settings={"url": f"{receiver.url}/hooks/laurel"})
        credentials = {}
        # Anna's body is JSON with \u escapes (as most senders write it), Wang's raw UTF-8.
        for person, ascii_json in ((ANNA, True), (WANG, False)):
            event = _post(source, person, f"msg-{len(credentials) + 1}", ascii_json=ascii_json)
            issuance = drive(Issuance.objects.get(event=event))
            credential = Credential.objects.get(issuance=issuance)
            outbound_sync_issue(issuance=issuance, credential=credential)
            credentials[person.email] = credential
        outbound_sweep()
        # One CSV upload with a row each (duplicates of what they hold: recorded, not issued again).
        rows = "email,name,course,completed_at,learner_id,score\n" + "".join(
            f"{p.email.upper() if p is ANNA else p.email},{p.name},FA-1,2026-01-05T09:58:00Z,{p.external_id},88\n"
            for p in (ANNA, WANG))
        csv_import(source=source, stream=io.BytesIO(rows.encode()), file_name="cohort.csv", dry_run=False)
        for event in CompletionEvent.objects.filter(channel="csv"):
            completion_event_process(event_id=event.pk)
        # A batch stored whole (two statements in one body) that could not be used: parked, naming both.
        batch_body = json.dumps([{"actor": {"mbox": f"mailto:{p.email}", "name": p.name}, "verb": "completed"}
                                 for p in (ANNA, WANG)], ensure_ascii=False).encode()
        batch, _ = webhook_event_store(source=source, message_id="msg-batch", headers={}, body=batch_body)
        completion_event_process(event_id=batch.pk)
        batch.refresh_from_db()
        assert batch.status == CompletionEvent.Status.PARKED
        # Anna's second course stopped at a step: parked, and named in the staff digest with the batch.
        second = CourseFactory(organization=org, code="FA-2", title="First Aid 2",
                               achievement=AchievementFactory(organization=org, name="First Aid 2"))
        stuck = complete(second, email=ANNA.email, name=ANNA.name, score=95)
        issuance_fail(issuance=stuck, step="decide", error="The rule set could not be read.", permanent=True)
        staff_digest_send(organization=org)
        # A staff member corrected Anna's name in the admin: the log names her as she was and is now.
        anna = Learner.objects.get(email=ANNA.email)
        LogEntry.objects.log_actions(user_id=admin_user.pk, queryset=[anna], action_flag=CHANGE,
                                     change_message=f"Changed name from {anna.name} (typo reported by {ANNA.email}).")
        yield World(org=org, source=source, receiver=receiver, credentials=credentials, batch=batch)
