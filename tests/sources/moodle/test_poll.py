"""Polling Moodle web services: a real WS server on 127.0.0.1 listing enrolled users, completions and grades."""

import io
import json
from decimal import Decimal

import pytest
import requests
from django.core.management import CommandError, call_command

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential, Issuance, PollCursor, SourcePoll
from tests.factories.courses import RuleSetFactory

from stand_ins.lms import MoodleWebServices
from .test_webhook import PLUGIN_TOKEN, WS_TOKEN, course_completed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def moodle():
    server = MoodleWebServices(token=WS_TOKEN).start()
    for n in range(1, 6):
        server.users[str(n)] = {"id": n, "email": f"learner{n}@example.org", "firstname": "Learner", "lastname": str(n), "fullname": f"Learner {n}"}
    server.enrolled["12"] = [str(n) for n in range(1, 6)]
    for n in (1, 3, 4):
        server.completed.add((str(n), "12"))
        server.completed_at[(str(n), "12")] = 1767607000 + n
        server.course_totals[(str(n), "12")] = (40 + n, 50)
    yield server
    server.stop()


@pytest.fixture
def source(make_source, moodle):
    return make_source("moodle", secret=PLUGIN_TOKEN, settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN}, mappings={"12": "SAF-101"})


def test_it_issues_each_completed_learner_with_the_course_total_as_score(source, moodle, worker, smtp):
    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.new, report.outcome) == (3, 3, "done")
    scores = sorted(float(e.completion["score"]) for e in CompletionEvent.objects.filter(channel="poll"))
    assert scores == [82.0, 86.0, 88.0]
    assert Credential.objects.count() == 3 and len(smtp.to("learner3@example.org")) == 1
    functions = [r["form"]["wsfunction"] for r in moodle.requests]
    assert functions.count("core_enrol_get_enrolled_users") == 1 and functions.count("gradereport_user_get_grade_items") == 3
    assert all("wstoken" not in r["path"] for r in moodle.requests)  # the token goes in the POST body

    moodle.requests.clear()
    assert source_poll(source=source).new == 0
    asked = {r["form"].get("userid") for r in moodle.requests if r["form"]["wsfunction"] == "core_completion_get_course_completion_status"}
    assert asked == {"2", "5"}  # learners already stored are not asked again
    assert set(PollCursor.objects.get(source=source, scope="12").seen) == {"1", "3", "4"}


def test_a_webhook_event_then_a_poll_of_the_same_completion_creates_nothing_new(source, moodle, live_server, worker):
    # The plugin's event carries the time cron fired it, a little after the completion itself.
    pushed = course_completed(user="3", course="12", at=1767607003 + 240)
    assert requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=json.dumps(pushed),
                         headers={"Content-Type": "application/json"}, timeout=30).status_code == 202
    worker.run()

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.known, report.new) == (3, 1, 2)
    assert CompletionEvent.objects.count() == 3 and Credential.objects.count() == 3


def test_an_invalid_token_parks_the_source(source, moodle):
    moodle.token = "revoked"

    report = source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert report.outcome == "failed" and state.status == SourcePoll.Status.PARKED
    assert "invalidtoken" in state.last_error


def test_a_failing_moodle_backs_off_and_the_next_poll_finishes(source, moodle, worker):
    moodle.fail_with = (503, {"error": "maintenance"})
    assert source_poll(source=source).outcome == "failed"
    assert SourcePoll.objects.get(source=source).status == SourcePoll.Status.BACKING_OFF
    moodle.fail_with = None

    assert source_poll(source=source).new == 3


def poll_command(source) -> tuple[int, str]:
    """`manage.py poll --source SLUG` as staff run it: (exit status, what it printed)."""
    out = io.StringIO()
    try:
        call_command("poll", source=source.slug, stdout=out, stderr=out)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.mark.parametrize(
    ("removed", "named"),
    [
        ("report/completion:view", "cannotviewreport"),  # was: "found 0", exit 0, source active
        ("moodle/grade:viewall", "nopermissiontoviewgrades"),  # was: learners who scored 95 told "No score was reported"
        ("gradereport/user:view", "gradereport/user:view"),
        ("moodle/course:enrolreview", "moodle/course:enrolreview"),
        ("moodle/course:view", "requireloginerror"),
        ("moodle/site:viewuseridentity", "moodle/site:viewuseridentity"),
        ("webservice/rest:use", "accessexception"),
    ],
)
def test_a_refused_call_parks_the_source_and_the_command_fails_never_found_0(source, moodle, worker, smtp, removed, named):
    moodle.capabilities.discard(removed)

    status, printed = poll_command(source)
    worker.run()

    state = SourcePoll.objects.get(source=source)
    assert status == 1 and state.status == SourcePoll.Status.PARKED
    assert "moodle_capability_missing" in state.last_error and named in state.last_error
    assert "found 0" not in printed and named in printed
    assert CompletionEvent.objects.count() == 0 and smtp.messages == []


def test_web_services_switched_off_park_the_source_saying_where_to_switch_them_on(source, moodle):
    moodle.web_services_enabled = False  # HTTP 403, empty body
    assert source_poll(source=source).outcome == "failed"
    state = SourcePoll.objects.get(source=source)
    assert state.status == SourcePoll.Status.PARKED and "Enable web services" in state.last_error


def test_an_answer_laurel_does_not_know_parks_the_source_with_its_code_and_message(source, moodle):
    moodle.fail_with = (200, {"exception": "core\\exception\\moodle_exception", "errorcode": "somethingnew", "message": "A new refusal"})
    assert source_poll(source=source).outcome == "failed"
    state = SourcePoll.objects.get(source=source)
    assert state.status == SourcePoll.Status.PARKED and "somethingnew" in state.last_error and "A new refusal" in state.last_error


def test_an_ungraded_completion_parks_its_issuance_as_score_missing_and_emails_no_one(source, moodle, worker, smtp, course, org):
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    course.ruleset = ruleset
    course.save(update_fields=["ruleset"])
    del moodle.course_totals[("3", "12")]  # completed, not graded yet

    assert source_poll(source=source).new == 3
    worker.run()

    parked = Issuance.objects.get(learner__email="learner3@example.org")
    assert (parked.state, parked.park_reason) == ("parked", "score_missing")
    assert smtp.to("learner3@example.org") == []
    assert Issuance.objects.filter(state__in=["delivered", "synced"]).count() == 2


def test_the_polled_name_follows_the_sources_name_order(make_source, moodle, worker):
    source = make_source("moodle", secret=PLUGIN_TOKEN, mappings={"12": "SAF-101"},
                         settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN, "name_order": "family_given"})
    source_poll(source=source)
    worker.run()
    assert Issuance.objects.get(learner__email="learner1@example.org").learner_name == "1 Learner"
