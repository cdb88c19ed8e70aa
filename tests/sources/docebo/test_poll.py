"""Docebo polled for completed enrollments, the webhook's fallback, against a stand-in of its REST API on 127.0.0.1."""

import base64
import json

import pytest
import requests

from issuance.intake.polling import source_poll
from issuance.intake.tasks import source_poll_scheduled
from issuance.models import CompletionEvent, Credential, PollCursor, SourcePoll
from issuance.sources import docebo_poll
from issuance.sources.docebo import docebo_completion_key
from issuance.sources.registry import source_poll_minutes
from stand_ins.lms import DoceboServer

from .test_webhook import CLIENT_ID, CLIENT_SECRET, EVENT, SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]


def enrollment(user: int, status="completed", completed="2026-11-14 10:01:59", updated=None, score=88):
    return {"user_id": user, "course_id": 211, "course_name": "Safety 101", "enrollment_status": status,
            "enrollment_completion_date": completed if status == "completed" else None, "enrollment_score": score,
            "enrollment_date_last_updated": updated or completed or "2026-11-14 09:00:00"}


@pytest.fixture
def docebo():
    server = DoceboServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    for n in range(1, 6):
        server.users[str(13020 + n)] = {"user_id": str(13020 + n), "username": f"learner{n}", "first_name": "Learner",
                                        "last_name": str(n), "email": f"learner{n}@example.org"}
        done = n != 3  # learner 3 is still in progress: not a completion
        server.enrollments.append(enrollment(13020 + n, status="completed" if done else "in_progress",
                                             completed=f"2026-11-1{n} 10:00:00", updated=f"2026-11-1{n} 10:00:00", score=80 + n))
    yield server
    server.stop()


@pytest.fixture
def source(make_source, docebo):
    return make_source("docebo", secret=SECRET, settings={"platform_url": docebo.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                                          "poll_minutes": "30", "time_zone": "Europe/Lisbon"}, mappings={"211": "SAF-101"})


def test_it_pages_completed_enrollments_issues_them_enriched_and_a_second_poll_asks_from_the_cursor(source, docebo, worker, monkeypatch):
    monkeypatch.setattr(docebo_poll, "PAGE_SIZE", 2)
    report = source_poll(source=source)
    worker.run()
    assert (report.found, report.new, report.outcome) == (4, 4, "done")
    assert Credential.objects.count() == 4
    event = CompletionEvent.objects.get(external_id__contains="13021")
    assert event.channel == "poll" and event.completion["email"] == "learner1@example.org" and float(event.completion["score"]) == 81
    assert event.completion["completed_at"].startswith("2026-11-11T10:00:00+00:00")  # Lisbon in November is UTC
    assert PollCursor.objects.get(source=source, scope="211").position == "2026-11-15 10:00:00"
    pages = [r["path"] for r in docebo.requests if r["path"].startswith("/learn/v1/enrollments?course_id")]
    assert len(pages) == 2 and all("status=completed" in p and "page_size=2" in p for p in pages)  # 4 completed, 2 a page

    again = source_poll(source=source)  # a replay of the last page: nothing stored twice
    assert (again.new, again.known) == (0, 1) and CompletionEvent.objects.count() == 4
    assert "updated_from=2026-11-15+10%3A00%3A00" in docebo.requests[-1]["path"]


def test_a_completion_the_webhook_brought_is_not_stored_again(source, docebo, live_server, task_queue):
    pushed = json.loads(json.dumps(EVENT))
    pushed["payload"].update(user_id=13021, completion_date="2026-11-11 10:00:00")
    basic = "Basic " + base64.b64encode(f"docebo:{SECRET}".encode()).decode()
    assert requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=pushed, headers={"Authorization": basic},
                         timeout=30).status_code == 202
    report = source_poll(source=source)
    assert (report.found, report.new, report.known) == (4, 3, 1)
    assert CompletionEvent.objects.filter(external_id__contains="13021").count() == 0  # the webhook's event, under Docebo's message_id


def test_the_webhook_copy_is_found_by_its_key_however_many_webhooks_came_after_it(source, docebo, live_server):
    pushed = json.loads(json.dumps(EVENT))
    pushed["payload"].update(user_id=13021, completion_date="2026-11-11 10:00:00")
    basic = "Basic " + base64.b64encode(f"docebo:{SECRET}".encode()).decode()
    assert requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=pushed, headers={"Authorization": basic},
                         timeout=30).status_code == 202
    later = []  # a busy platform: other learners' completions pushed since
    for n in range(2001):
        other = json.loads(json.dumps(pushed))
        other["payload"]["user_id"], other["message_id"] = 50000 + n, f"wh-later-{n}"
        later.append(CompletionEvent(source=source, external_id=other["message_id"], body=json.dumps(other).encode(),
                                     completion_key=docebo_completion_key(other)))
    CompletionEvent.objects.bulk_create(later)
    report = source_poll(source=source)
    assert (report.found, report.new, report.known) == (4, 3, 1)


def test_a_malformed_completion_date_parks_with_its_reason(source, docebo, worker):
    docebo.enrollments[0]["enrollment_completion_date"] = "14/11/2026"
    source_poll(source=source)
    worker.run()
    parked = CompletionEvent.objects.get(external_id__contains="13021")
    assert (parked.status, parked.park_reason) == ("parked", "completed_at_invalid")


def test_scheduled_runs_out_of_time_hand_over_and_resume_where_they_stopped(settings, source, docebo, monkeypatch):
    settings.LAUREL_POLL_RUN_SECONDS = 0
    monkeypatch.setattr(docebo_poll, "PAGE_SIZE", 1)
    runs = []
    while len(runs) < 20:
        runs.append(source_poll_scheduled(source.slug))
        if "the next run carries on" not in runs[-1]:
            break
    assert len(runs) >= 3 and all("the next run carries on" in run for run in runs[:-1]), runs
    assert CompletionEvent.objects.filter(source=source).count() == 4


def test_refused_credentials_park_the_source_and_a_rate_limit_stops_the_poll(make_source, source, docebo):
    docebo.faults.rate_limited = ["600"]
    limited = source_poll(source=source)
    assert limited.outcome == "failed" and "429" in limited.detail and SourcePoll.objects.get(source=source).status == SourcePoll.Status.BACKING_OFF
    wrong = make_source("docebo", slug="docebo-wrong", secret=SECRET, settings={
        "platform_url": docebo.url, "client_id": CLIENT_ID, "client_secret": "not-the-secret", "poll_minutes": "30"}, mappings={"211": "SAF-101"})
    assert source_poll(source=wrong).outcome == "failed" and SourcePoll.objects.get(source=wrong).status == SourcePoll.Status.PARKED


def test_it_is_polled_only_when_asked(make_source, docebo):
    quiet = make_source("docebo", slug="docebo-quiet", secret=SECRET, settings={
        "platform_url": docebo.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, mappings={"211": "SAF-101"})
    assert source_poll_minutes(quiet) == 0
