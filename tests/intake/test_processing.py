"""What the worker makes of stored events: issuances for clean ones, specific errors for the rest."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditRecord
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance
from tests.factories.courses import CourseFactory
from tests.factories.issuance import SourceCourseMappingFactory

from .conftest import generic_event


def _event(source, payload, external_id="evt-1") -> CompletionEvent:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return CompletionEvent.objects.create(source=source, external_id=external_id, body=body)


def _process(event) -> CompletionEvent:
    completion_event_process(event_id=event.pk)
    event.refresh_from_db()
    return event


def _fields(event) -> dict:
    return {error["field"]: error["message"] for error in event.errors}


def test_it_starts_an_issuance_with_the_normalised_completion(source):
    event = _process(_event(source, generic_event()))
    assert event.status == CompletionEvent.Status.PROCESSED
    assert event.completion["email"] == "ana@example.org"
    issuance = Issuance.objects.get(event=event)
    assert issuance.state == Issuance.State.VALIDATED
    assert issuance.completion["extra"] == {"department": "nursing"}
    assert issuance.completion["attendance"] == "100"


def test_it_does_nothing_when_the_same_event_is_processed_twice(source):
    event = _event(source, generic_event())
    completion_event_process(event_id=event.pk)
    completion_event_process(event_id=event.pk)
    assert Issuance.objects.count() == 1


def test_it_parks_an_event_without_email_in_the_exception_queue(source):
    payload = generic_event(learner={"id": "u-1", "name": "Ana Lima"})
    event = _process(_event(source, payload))
    assert event.status == CompletionEvent.Status.PARKED
    assert event.park_reason == "email_missing"
    assert _fields(event) == {"data.learner.email": "The learner's email is missing."}
    assert Issuance.objects.count() == 0
    assert AuditRecord.objects.filter(event=event, to_state="parked").exists()


def test_it_parks_an_unknown_course_naming_the_course_and_the_organisation(source):
    event = _process(_event(source, generic_event(course={"id": "ZZ-999"})))
    assert event.park_reason == "course_invalid"
    assert _fields(event)["data.course.id"] == "No course of Demo Academy has the course code or mapping 'ZZ-999'."


def test_it_parks_a_bad_date_and_a_date_without_zone_and_a_future_date(source):
    for n, value in enumerate(["26/11/2026", "2026-01-05T09:58:00", (timezone.now() + timedelta(days=1)).isoformat()]):
        event = _process(_event(source, generic_event(completed_at=value), external_id=f"date-{n}"))
        assert event.park_reason == "completed_at_invalid"
    messages = [e.errors[0]["message"] for e in CompletionEvent.objects.order_by("external_id")]
    assert "not an ISO 8601 time" in messages[0]
    assert "has no time zone" in messages[1]
    assert "in the future" in messages[2]


def test_it_lists_every_problem_of_an_event_at_once(source):
    payload = generic_event(learner={"email": "not-an-address", "name": "  "}, score=140, attendance="lots")
    event = _process(_event(source, payload))
    fields = _fields(event)
    assert set(fields) == {"data.learner.email", "data.learner.name", "data.score", "data.attendance"}
    assert "outside 0–100" in fields["data.score"]
    assert "not a number" in fields["data.attendance"]


def test_it_parks_a_body_that_is_not_the_generic_dialect(source):
    event = _process(_event(source, [1, 2, 3]))
    assert event.park_reason == "body_not_object"
    other = _process(_event(source, {"type": "course.started", "data": {}}, external_id="evt-2"))
    assert {e["code"] for e in other.errors} >= {"type_unknown", "learner_missing"}


def test_it_accepts_international_addresses_and_names_in_any_script(source):
    payload = generic_event(learner={"email": "José.Núñez@Bücher.Example", "given_name": " 李 ", "family_name": "小龍"})
    event = _process(_event(source, payload))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.completion["email"] == "josé.núñez@bücher.example"
    assert event.completion["name"] == "李 小龍"


@pytest.mark.parametrize(
    "name, reason",
    # NUL is refused with the body: PostgreSQL can store it in no text column, wherever it is sent.
    [("Ana\u0000Lima", "body_not_text"), ("Ana\u0007Lima", "name_invalid"), ("Ana\u202eamiL", "name_invalid"),
     ("A" * 201, "name_invalid")],
)
def test_it_refuses_names_with_control_characters_or_too_long(source, name, reason):
    event = _process(_event(source, generic_event(learner={"email": "ana@example.org", "name": name})))
    assert event.park_reason == reason


def test_it_finds_courses_through_the_source_mapping_table(source):
    mapping = SourceCourseMappingFactory(source=source, external_id="moodle-42")
    event = _process(_event(source, generic_event(course={"id": "moodle-42"})))
    assert event.status == CompletionEvent.Status.PROCESSED
    assert event.issuances.get().course == mapping.course


def test_it_only_uses_the_mapping_table_when_the_source_matches_by_mapping(source):
    source.course_matching = source.CourseMatching.BY_MAPPING
    source.save()
    event = _process(_event(source, generic_event()))  # FA-101 is a code, not a mapped id
    assert event.park_reason == "course_invalid"


def test_it_never_matches_a_course_of_another_organisation(source):
    CourseFactory(code="XO-1")  # another organisation's
    event = _process(_event(source, generic_event(course={"id": "XO-1"})))
    assert event.park_reason == "course_invalid"


def test_it_parks_completions_of_an_inactive_course(source, course):
    course.is_active = False
    course.save()
    event = _process(_event(source, generic_event()))
    assert "inactive" in event.errors[0]["message"]
