"""Cornerstone polled through the Transcript Search API, the webhook's fallback, against a stand-in on 127.0.0.1."""

import json
from urllib.parse import parse_qs
from datetime import datetime, timedelta, timezone

import pytest
import requests

from issuance.intake.parked_events import parked_event_reprocess
from issuance.intake.polling import source_poll
from issuance.intake.tasks import source_poll_scheduled
from issuance.models import CompletionEvent, Credential, PollCursor, SourcePoll
from issuance.privacy.retention import raw_bodies_expire
from stand_ins.lms import CornerstoneServer
from tests.factories.courses import StaffUserFactory

from .test_webhook import API_KEY, record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]
CLIENT_ID, CLIENT_SECRET = "laurel-csod", "csod-client-secret-71"
TRAINING = "8d86b95c-f7a3-434c-9809-b437ecbed6cb"


def stamp(hours_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def transcript(user: int, *, hours_ago: float, status="Completed", training=TRAINING, completed=None):
    return {"userId": user, "userRef": f"E{user}", "loId": training, "title": "Safety 101", "status": status,
            "completionDate": completed or stamp(hours_ago), "score": 80 + user % 20, "email": f"learner{user}@example.org",
            "userFullName": f"Learner {user}", "lastModified": stamp(hours_ago)}


@pytest.fixture
def csod():
    server = CornerstoneServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def source(make_source, csod):
    return make_source("cornerstone", secret=API_KEY, settings={"corp_url": csod.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                                                "poll_minutes": "60"}, mappings={TRAINING: "SAF-101"})


def test_it_walks_the_last_day_page_by_page_and_issues_the_mapped_completions(source, csod, worker):
    csod.transcripts = [transcript(n, hours_ago=20 - n * 0.1) for n in range(1, 56)]  # two pages of 50
    csod.transcripts += [transcript(90, hours_ago=3, status="In Progress"), transcript(91, hours_ago=3, training="another-training")]
    report = source_poll(source=source)
    worker.run()
    assert (report.found, report.new, report.outcome) == (55, 55, "done")
    assert Credential.objects.count() == 55
    event = CompletionEvent.objects.get(external_id__contains=":1:")
    assert event.channel == "poll" and event.completion["email"] == "learner1@example.org" and float(event.completion["score"]) == 81
    searches = [r["path"] for r in csod.requests if "ModificationStartDate" in r["path"]]
    assert len(searches) == 2 and "pageNumber=2" in searches[1]
    position = PollCursor.objects.get(source=source, scope="transcripts").position
    assert abs(datetime.fromisoformat(position.replace("Z", "+00:00")) - datetime.now(timezone.utc)) < timedelta(minutes=5)

    again = source_poll(source=source)  # from the cursor: the same transcripts are not asked for, nothing stored twice
    assert again.new == 0 and CompletionEvent.objects.count() == 55


def test_a_cursor_days_behind_is_walked_in_windows_of_a_day_and_a_run_out_of_time_resumes(settings, source, csod):
    csod.transcripts = [transcript(n, hours_ago=hours) for n, hours in ((1, 70), (2, 50), (3, 26), (4, 2))]
    PollCursor.objects.create(source=source, scope="transcripts", position=stamp(72))
    settings.LAUREL_POLL_RUN_SECONDS = 0
    runs = []
    while len(runs) < 10:
        runs.append(source_poll_scheduled(source.slug))
        if "the next run carries on" not in runs[-1]:
            break
    searches = [parse_qs(r["path"].split("?", 1)[1]) for r in csod.requests if "ModificationStartDate" in r["path"]]
    assert len(searches) in (3, 4) and len(runs) == len(searches), runs  # 72 hours (and the seconds since): a window a run
    assert all(int(run.split(" requests")[0].rsplit(" ", 1)[1]) <= 2 for run in runs), runs  # its token and one search
    spans = [datetime.fromisoformat(s["ModificationEndDate"][0].replace("Z", "+00:00")) -
             datetime.fromisoformat(s["ModificationStartDate"][0].replace("Z", "+00:00")) for s in searches]
    assert max(spans) == timedelta(hours=24)  # never a wider window than the API takes
    assert CompletionEvent.objects.filter(source=source).count() == 4


def test_a_completion_the_webhook_brought_is_not_stored_again(source, csod, live_server):
    pushed = record("8761503e-0000-4d56-9730-ec17ee33e5d2", targetUserId=7, completionDate=stamp(5))
    assert requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=json.dumps({"records": [pushed]}),
                         headers={"Content-Type": "application/json", "x-api-key": API_KEY}, timeout=30).status_code == 202
    csod.transcripts = [transcript(7, hours_ago=5), transcript(8, hours_ago=4)]
    report = source_poll(source=source)
    assert (report.found, report.new, report.known) == (2, 1, 1)


def test_the_webhook_copy_is_found_once_retention_emptied_its_body_and_an_earlier_attempt_is_not_it(source, csod, live_server):
    source.organization.raw_body_retention_days = 0
    source.organization.save()
    post = lambda record: requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=json.dumps({"records": [record]}),
                                        headers={"Content-Type": "application/json", "x-api-key": API_KEY}, timeout=30)
    assert post(record("8761503e-0000-4d56-9730-ec17ee33e5d2", targetUserId=7, completionDate=stamp(5))).status_code == 202
    assert post(record("8761503e-0000-4d56-9730-ec17ee33e5d3", targetUserId=8, completionDate=stamp(4))).status_code == 202
    CompletionEvent.objects.update(status=CompletionEvent.Status.PROCESSED)
    CompletionEvent.objects.filter(completion_key__contains=":8:").update(received_at=datetime.now(timezone.utc) - timedelta(days=40))
    assert sum(raw_bodies_expire().values()) == 2
    csod.transcripts = [transcript(7, hours_ago=5), transcript(8, hours_ago=4)]  # learner 8's webhook was an attempt 40 days ago
    report = source_poll(source=source)
    assert (report.found, report.new, report.known) == (2, 1, 1)
    assert CompletionEvent.objects.get(channel="poll").completion_key == CompletionEvent.objects.get(received_at__lt=stamp(24 * 30)).completion_key


def test_where_a_transcripts_facts_are_read_is_a_setting_per_fact(make_source, csod, worker):
    renamed = {"userId": 9, "courseGuid": TRAINING, "state": "Passed", "finishedAt": stamp(2), "workEmail": "nine@example.org",
               "displayName": "Learner Nine", "lastModified": stamp(2)}
    csod.transcripts = [renamed, transcript(10, hours_ago=2)]
    source = make_source("cornerstone", secret=API_KEY, mappings={TRAINING: "SAF-101"}, settings={
        "corp_url": csod.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "poll_minutes": "60",
        "transcript_training_fields": "courseGuid", "transcript_status_fields": "state", "transcript_completed_fields": "finishedAt",
        "transcript_email_fields": "workEmail, email", "transcript_name_fields": "displayName"})
    report = source_poll(source=source)
    worker.run()
    assert (report.found, report.new) == (1, 1)  # learner 10's training sits under the default name, no longer read
    completion = CompletionEvent.objects.get(channel="poll").completion
    assert (completion["email"], completion["name"]) == ("nine@example.org", "Learner Nine")


def test_a_malformed_completion_time_parks_and_refused_credentials_park_the_source(make_source, source, csod, worker):
    csod.transcripts = [transcript(5, hours_ago=2, completed="yesterday")]
    source_poll(source=source)
    worker.run()
    parked = CompletionEvent.objects.get()
    assert parked.status == "parked" and "completed" in parked.park_reason
    wrong = make_source("cornerstone", slug="csod-wrong", secret=API_KEY, settings={
        "corp_url": csod.url, "client_id": CLIENT_ID, "client_secret": "not-it", "poll_minutes": "60"}, mappings={TRAINING: "SAF-101"})
    assert source_poll(source=wrong).outcome == "failed" and SourcePoll.objects.get(source=wrong).status == SourcePoll.Status.PARKED
    csod.faults.rate_limited = ["900"]
    limited = source_poll(source=source)
    assert limited.outcome == "failed" and "429" in limited.detail and SourcePoll.objects.get(source=source).status == SourcePoll.Status.BACKING_OFF


def test_a_status_in_neither_list_parks_naming_the_settings_and_replays_once_they_say_it(source, csod, worker):
    csod.transcripts = [transcript(20, hours_ago=2, status="Completed (Equivalency)"), transcript(21, hours_ago=2, status="Registered"),
                        {**transcript(22, hours_ago=2), "status": None}]
    assert source_poll(source=source).new == 2  # "Registered" is an open status: not a completion yet, not stored
    worker.run()
    assert set(CompletionEvent.objects.values_list("status", flat=True)) == {"parked"} and Credential.objects.count() == 0
    equivalency = CompletionEvent.objects.get(external_id__contains=":20:")
    said = equivalency.errors[0]["message"]
    assert equivalency.park_reason == "status_unrecognised" and "'Completed (Equivalency)'" in said and "transcript_completed_statuses" in said
    assert "no status in status, transcriptStatus, statusName" in CompletionEvent.objects.get(external_id__contains=":22:").errors[0]["message"]

    source.settings = {**source.settings, "transcript_completed_statuses": "Completed, Passed, Completed (Equivalency)"}
    source.save(update_fields=["settings"])
    parked_event_reprocess(event_id=equivalency.pk, user=StaffUserFactory())
    worker.run()
    assert Credential.objects.get().learner.email == "learner20@example.org"


def test_a_completed_transcript_with_no_completion_time_parks_instead_of_being_skipped(make_source, csod, worker):
    csod.transcripts = [{**transcript(30, hours_ago=2), "completionDate": None, "finishedOn": stamp(2)}]
    source = make_source("cornerstone", secret=API_KEY, mappings={TRAINING: "SAF-101"}, settings={
        "corp_url": csod.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "poll_minutes": "60"})
    assert source_poll(source=source).new == 1
    worker.run()
    parked = CompletionEvent.objects.get()
    assert parked.status == "parked" and "transcript_completed_fields" in parked.errors[0]["message"]
    source.settings = {**source.settings, "transcript_completed_fields": "finishedOn"}
    source.save(update_fields=["settings"])
    parked_event_reprocess(event_id=parked.pk, user=StaffUserFactory())
    worker.run()
    assert Credential.objects.count() == 1
