"""Polling Canvas REST: a real server on 127.0.0.1 with Bearer tokens, Link pagination and course progress."""

import pytest
import requests
from django.core.management import call_command

from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential, PollCursor, SourcePoll

from stand_ins.lms import CanvasRestServer
from .test_webhook import live_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

TOKEN = "canvas-token-4f2"


@pytest.fixture
def canvas():
    server = CanvasRestServer(token=TOKEN, page_cap=2).start()
    yield server
    server.stop()


@pytest.fixture
def source(make_source, canvas):
    return make_source("canvas", settings={"canvas_url": canvas.url, "api_token": TOKEN}, mappings={"42": "SAF-101"})


def enrol_five(canvas):
    """Five learners of course 42, three of them complete (scores 91, 78, 64), two still working."""
    for n, (completed_at, score) in enumerate([("2026-01-05T09:58:59Z", 91.0), (None, 40.0), ("2026-01-06T11:00:00Z", 78.0),
                                                (None, None), ("2026-01-07T08:30:00Z", 64.0)], start=1):
        canvas.enrol("42", 700 + n, email=f"learner{n}@example.org", name=f"Learner {n}", completed_at=completed_at, final_score=score)


def test_it_pages_through_link_headers_and_issues_each_completed_learner_with_the_final_score(source, canvas, worker, smtp):
    enrol_five(canvas)

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.new, report.outcome) == (3, 3, "done")
    assert sum("/enrollments" in r["path"] for r in canvas.requests) == 3  # 2 + 2 + 1 per page
    assert sum(r["path"].endswith("/progress") for r in canvas.requests) == 5
    scores = sorted(float(event.completion["score"]) for event in CompletionEvent.objects.filter(channel="poll"))
    assert scores == [64.0, 78.0, 91.0]
    assert Credential.objects.count() == 3 and len(smtp.to("learner1@example.org")) == 1


def test_the_next_poll_does_not_ask_again_for_learners_already_stored(source, canvas):
    enrol_five(canvas)
    source_poll(source=source)
    canvas.requests.clear()
    canvas.learners["42"]["702"]["completed_at"] = "2026-01-08T10:00:00Z"

    report = source_poll(source=source)

    assert (report.found, report.new) == (1, 1)
    progress = sorted(r["path"] for r in canvas.requests if r["path"].endswith("/progress"))
    assert progress == ["/api/v1/courses/42/users/702/progress", "/api/v1/courses/42/users/704/progress"]
    assert set(PollCursor.objects.get(source=source, scope="42").seen) == {"701", "702", "703", "705"}


def test_a_live_event_and_a_poll_of_the_same_completion_are_one_event_and_one_credential(make_source, canvas, jwks, live_server, worker):
    source = make_source("canvas", slug="canvas-both", mappings={"42": "SAF-101"},
                         settings={"jwks_url": jwks.url + "/jwks", "canvas_url": canvas.url, "api_token": TOKEN})
    canvas.enrol("42", 777, email="ana.lima@example.org", name="Ana Lima", completed_at="2026-01-05T09:58:59Z", final_score=88.0)
    token = jwks.sign(live_event(completed_at="2026-01-05T09:58:59.000Z"))  # the Live Event's millisecond form
    assert requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=token, timeout=30).status_code == 202
    worker.run()

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.known, report.new) == (1, 1, 0)
    assert CompletionEvent.objects.count() == 1 and Credential.objects.count() == 1


def test_an_expired_token_parks_the_source_with_a_visible_status(source, canvas):
    enrol_five(canvas)
    canvas.token = "rotated-by-the-admin"

    report = source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert report.outcome == "failed" and state.status == SourcePoll.Status.PARKED
    assert "Invalid access token" in state.last_error and CompletionEvent.objects.count() == 0


def test_a_progress_request_failing_halfway_keeps_what_the_page_gave_and_resumes_on_that_page(source, canvas, worker):
    enrol_five(canvas)
    canvas.faults.fail_when = lambda path: path.endswith("/705/progress")

    report = source_poll(source=source)

    assert (report.new, report.outcome) == (2, "failed")
    assert "page=3" in PollCursor.objects.get(source=source, scope="42").resume["page"]
    canvas.faults.fail_when = None

    again = source_poll(source=source)
    worker.run()

    assert (again.new, again.outcome) == (1, "done")
    assert CompletionEvent.objects.count() == 3 and Credential.objects.count() == 3


def test_a_429_with_a_long_retry_after_ends_the_poll_and_waits(source, canvas):
    enrol_five(canvas)
    canvas.faults.rate_limited = ["120"]

    report = source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert report.outcome == "failed" and state.status == SourcePoll.Status.BACKING_OFF
    assert 110 < (state.next_poll_after - state.last_poll_at).total_seconds() <= 120


def test_a_poll_stops_at_its_request_budget_and_the_next_resumes_there(source, canvas, settings):
    enrol_five(canvas)
    settings.LAUREL_POLL_MAX_REQUESTS = 4  # page one and its two learners, page two and one learner

    first = source_poll(source=source)
    assert first.outcome == "stopped" and first.requests == 4 and first.new == 1
    settings.LAUREL_POLL_MAX_REQUESTS = 100
    second = source_poll(source=source)

    assert second.outcome == "done" and CompletionEvent.objects.count() == 3


def test_reconcile_replays_exactly_the_three_missed_completions_and_changes_nothing_the_second_time(source, canvas, worker, capsys):
    enrol_five(canvas)
    canvas.enrol("42", 706, email="late@example.org", name="Late Learner", completed_at="2026-02-01T09:00:00Z", final_score=99.0)

    call_command("reconcile", "--source", source.slug, "--since", "2026-01-01", "--until", "2026-01-31")
    first = capsys.readouterr().out
    worker.run()
    call_command("reconcile", "--source", source.slug, "--since", "2026-01-01", "--until", "2026-01-31")
    second = capsys.readouterr().out

    assert "found 3 · already known 0 · new 3 · parked 0" in first
    assert "found 3 · already known 3 · new 0 · parked 0" in second
    assert Credential.objects.count() == 3  # the February completion is outside the window
    assert not PollCursor.objects.filter(source=source).exclude(seen=[]).exists()  # the cursor is the schedule's, untouched


def test_a_learner_without_a_final_score_gets_the_current_score_as_the_fetch_does(source, canvas, worker):
    canvas.enrol("42", 801, email="learner@example.org", name="Learner One", completed_at="2026-01-05T09:58:59Z",
                 final_score=None, current_score=73.5)
    source_poll(source=source)
    worker.run()
    event = CompletionEvent.objects.get(channel="poll")
    assert float(event.completion["score"]) == 73.5
