"""Polling TalentLMS API v2: a real server on 127.0.0.1 with paged course users, course progress and a rate limit."""

import pytest
import requests
from django.core.management import call_command
from django_q.models import Schedule

from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential, SourcePoll

from stand_ins.lms import TalentLmsServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

API_KEY = "tl-api-key-77aa"


@pytest.fixture
def talentlms():
    server = TalentLmsServer(api_key=API_KEY).start()
    for n in range(1, 106):  # two pages of users (100 + 5)
        completed = f"2026-01-{1 + n % 28:02d}T10:00:00+00:00" if n % 35 == 0 else None
        server.enrol("7", n, email=f"learner{n}@example.org", name=f"Learner {n}", completed_on=completed, score=80 + n % 20 if completed else None)
    yield server
    server.stop()


@pytest.fixture
def source(make_source, talentlms):
    return make_source("talentlms", secret=API_KEY, settings={"base_url": talentlms.url}, mappings={"7": "SAF-101"})


def test_it_pages_the_course_users_and_issues_the_three_who_completed(source, talentlms, worker, smtp):
    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.new, report.outcome) == (3, 3, "done")
    assert report.requests == 2 + 105  # two pages, then each learner's progress
    assert Credential.objects.count() == 3 and len(smtp.to("learner70@example.org")) == 1
    assert sorted(float(e.completion["score"]) for e in CompletionEvent.objects.all()) == [85.0, 90.0, 95.0]


def test_a_used_up_rate_limit_ends_the_poll_and_the_next_one_resumes(source, talentlms, worker):
    talentlms.quota = 50

    first = source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert first.outcome == "stopped" and "rate limit" in first.detail and first.requests == 50
    assert state.status == SourcePoll.Status.IDLE and 1790 < (state.next_poll_after - state.last_poll_at).total_seconds() <= 1800
    talentlms.quota = None
    second = source_poll(source=source)
    worker.run()

    assert CompletionEvent.objects.count() == 3 and Credential.objects.count() == 3
    assert first.new + second.new == 3


def test_a_wrong_api_key_parks_the_source(make_source, talentlms):
    source = make_source("talentlms", slug="tl-wrong", secret="not-the-key", settings={"base_url": talentlms.url}, mappings={"7": "SAF-101"})

    report = source_poll(source=source)

    assert report.outcome == "failed" and SourcePoll.objects.get(source=source).status == SourcePoll.Status.PARKED


def test_nothing_can_be_posted_to_a_talentlms_source(source, live_server):
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json={}, timeout=30)
    assert response.status_code == 404 and CompletionEvent.objects.count() == 0


def test_source_add_sets_up_a_polled_talentlms_source(org, course, talentlms, capsys):
    call_command("source_add", "--org", org.slug, "--slug", "tl", "--dialect", "talentlms", "--secret", API_KEY,
                 "--setting", f"base_url={talentlms.url}", "--setting", "poll_minutes=30", "--map", "7=SAF-101")
    schedule = Schedule.objects.get(name="laurel-poll-tl")
    assert schedule.minutes == 30 and schedule.func == "issuance.intake.tasks.source_poll_scheduled"
