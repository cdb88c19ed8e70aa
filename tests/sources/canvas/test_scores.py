"""Canvas sends no score: with an api_token Laurel asks Canvas REST for the learner's enrollment score.

A Canvas-mapped course with a minimum score once made every Canvas completion ineligible and
emailed passing learners "No score was reported for you" (real-systems.md §3). Each answer the
stand-in gives here is one Canvas gives: the grades, a refused token, a user who may not read the
course or view grades, throttling, and an answer Laurel does not recognise. The score is asked
through the pipeline's missing-fact seam at the decision (and again on resume), so a refusal parks
the issuance with Canvas's code, and "no score yet" parks it as score_missing.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from issuance.models import Issuance
from issuance.pipeline import issuance_resume
from issuance.worker import issuance_advance_steps
from tests.factories.courses import RuleSetFactory, RuleSetVersionFactory

from tests.sources.conftest import assert_delivered, event_outcome
from stand_ins.lms import CanvasRestServer
from tests.sources.canvas.test_webhook import live_event

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "7~canvas-api-token-for-scores"


@pytest.fixture
def canvas():
    server = CanvasRestServer(token=TOKEN).start()
    server.enrol("42", 777, email="ana.lima@example.org", name="Ana Lima", final_score=86.0)
    yield server
    server.stop()


@pytest.fixture
def pass_mark(course, org):
    """The course's live rules: a score of at least 80."""
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    RuleSetVersionFactory(ruleset=ruleset, min_score=Decimal(80), published_at=timezone.now())
    course.ruleset = ruleset
    course.save(update_fields=["ruleset"])
    return ruleset


def canvas_source(make_source, jwks, canvas, *, token=TOKEN):
    return make_source("canvas", settings={"jwks_url": jwks.url + "/main/jwks", "canvas_url": canvas.url,
                                           "api_token": token, "poll_minutes": "0"})


@pytest.fixture
def send(live_server, jwks, task_queue):
    def post(source, claims=None):
        token = jwks.sign(claims or live_event())
        response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=token.encode(),
                                 headers={"Content-Type": "text/plain"}, timeout=30)
        assert response.status_code == 202, response.text
        return event_outcome(task_queue, response.json()["event"])

    return post


def score_requests(canvas) -> list[dict]:
    asked = [urlsplit(r["path"]) for r in canvas.requests if "/enrollments" in r["path"]]
    return [{"path": url.path, **{k: v for k, v in parse_qs(url.query).items()}} for url in asked]


def test_it_fetches_the_final_score_when_the_rules_need_one_and_issues(make_source, jwks, canvas, pass_mark, send, smtp):
    event = send(canvas_source(make_source, jwks, canvas))
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.completion["score"] == "86.0"
    [asked] = score_requests(canvas)
    assert asked["path"] == "/api/v1/courses/42/enrollments" and asked["user_id"] == ["777"]


def test_it_takes_the_current_score_when_canvas_has_no_final_one(make_source, jwks, canvas, pass_mark, send, smtp):
    canvas.enrol("42", 777, email="ana.lima@example.org", name="Ana Lima", final_score=None, current_score=91.5)
    issuance = assert_delivered(send(canvas_source(make_source, jwks, canvas)), smtp, "ana.lima@example.org")
    assert issuance.completion["score"] == "91.5"


def test_it_asks_canvas_nothing_when_the_rules_need_no_score(make_source, jwks, canvas, send, smtp):
    assert_delivered(send(canvas_source(make_source, jwks, canvas)), smtp, "ana.lima@example.org")
    assert canvas.requests == []


def test_a_real_score_below_the_pass_mark_is_ineligible(make_source, jwks, canvas, pass_mark, send):
    canvas.enrol("42", 777, email="ana.lima@example.org", name="Ana Lima", final_score=61.0)
    event = send(canvas_source(make_source, jwks, canvas))
    issuance = event.issuances.get()
    assert (event.status, issuance.state, issuance.completion["score"]) == ("processed", "ineligible", "61.0")


def _parked(event, code):
    """The event was read; its issuance parks with Canvas's refusal as its code, never deciding on "no score"."""
    assert event.status == "processed", event.errors
    issuance = event.issuances.get()
    assert (issuance.state, issuance.park_reason, issuance.failed_step) == ("parked", code, "decide"), issuance.error
    assert "could not be asked for the score" in issuance.error
    return issuance.error


def test_a_refused_token_parks_naming_api_token(make_source, jwks, canvas, pass_mark, send):
    message = _parked(send(canvas_source(make_source, jwks, canvas, token="7~expired")), "canvas_token_refused")
    assert "Invalid access token." in message and "save it as api_token" in message


def test_a_user_who_may_not_read_the_course_parks_naming_the_role(make_source, jwks, canvas, pass_mark, send):
    canvas.unauthorized_tokens.add("7~a-student-token")
    message = _parked(send(canvas_source(make_source, jwks, canvas, token="7~a-student-token")), "canvas_permission_missing")
    assert "user not authorized to perform that action" in message and "teacher or admin" in message


def test_enrollments_without_grades_park_naming_the_permission(make_source, jwks, canvas, pass_mark, send):
    canvas.grade_blind_tokens.add("7~no-grades-token")
    message = _parked(send(canvas_source(make_source, jwks, canvas, token="7~no-grades-token")), "canvas_grades_hidden")
    assert "View all grades" in message


def test_a_learner_canvas_does_not_list_parks_and_is_not_read_as_no_score(make_source, jwks, canvas, pass_mark, send):
    canvas.learners["42"].clear()
    message = _parked(send(canvas_source(make_source, jwks, canvas)), "canvas_enrollment_missing")
    assert "user 777 in course 42" in message


@pytest.mark.parametrize(("answer", "shown"), [
    ((200, {"enrollments": []}), "not a list"),
    ((200, b"<html><body>Canvas is down for maintenance</body></html>"), "not a list"),
    ((302, {"errors": [{"message": "moved"}]}), "HTTP 302: moved"),
])
def test_an_answer_laurel_does_not_recognise_parks_with_it(make_source, jwks, canvas, pass_mark, send, answer, shown):
    canvas.respond_to = lambda handler, body: answer
    message = _parked(send(canvas_source(make_source, jwks, canvas)), "canvas_bad_response")
    assert "does not recognise" in message and shown in message


def test_throttling_waits_and_tries_again(make_source, jwks, canvas, pass_mark, send):
    canvas.throttled = 1
    event = send(canvas_source(make_source, jwks, canvas))
    issuance = event.issuances.get()
    assert issuance.state != "parked" and issuance.next_attempt_at is not None and issuance.attempts == 1
    assert "Rate Limit Exceeded" in issuance.error
    Issuance.objects.filter(pk=issuance.pk).update(next_attempt_at=timezone.now())
    issuance_advance_steps(issuance_id=issuance.pk)  # the sweep's next try
    issuance.refresh_from_db()
    assert issuance.completion["score"] == "86.0" and issuance.state in ("delivered", "synced"), issuance.error


def test_no_score_in_canvas_yet_parks_score_missing_and_resuming_asks_canvas_again(make_source, jwks, canvas, pass_mark, send, smtp, worker):
    canvas.enrol("42", 777, email="ana.lima@example.org", name="Ana Lima", final_score=None)  # not graded yet
    event = send(canvas_source(make_source, jwks, canvas))
    issuance = event.issuances.get()
    assert (issuance.state, issuance.park_reason) == ("parked", "score_missing"), issuance.error
    assert smtp.to("ana.lima@example.org") == []  # never "No score was reported for you"

    canvas.learners["42"]["777"].update(final_score=88.0, current_score=88.0)  # graded in Canvas; staff resume
    asked_before = len(score_requests(canvas))
    issuance_resume(issuance_id=issuance.pk)
    worker.run()
    issuance.refresh_from_db()
    assert issuance.state in ("delivered", "synced") and issuance.completion["score"] == "88.0", (issuance.state, issuance.error)
    assert len(score_requests(canvas)) == asked_before + 1
    assert len(smtp.to("ana.lima@example.org")) == 1


def test_without_an_api_token_it_parks_score_missing_naming_api_token_and_tells_the_learner_nothing(make_source, jwks, canvas, pass_mark, send, smtp):
    source = make_source("canvas", settings={"jwks_url": jwks.url + "/main/jwks"})
    issuance = send(source).issuances.get()
    assert (issuance.state, issuance.park_reason) == ("parked", "score_missing"), issuance.error
    assert "api_token" in issuance.error and "grades" in issuance.error
    assert canvas.requests == [] and smtp.to("ana.lima@example.org") == []
