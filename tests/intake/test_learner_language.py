"""The learner's language travels from the completion to the issuance: from every kind of sender, with the
course's and then the organisation's as the default, a malformed tag parked by its field, and a fallback recorded."""

import io
import json

import pytest

from audit.models import AuditRecord
from courses.templating.languages import LanguageTagError, language_choose, language_tag_parse
from issuance.intake.csv_import import csv_import
from issuance.intake.parked_events import parked_event_correct
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance
from issuance.sources.form_rows import FormRowDialect
from issuance.sources.mapped.dialect import MappedDialect
from issuance.sources.mapped.mapping import mapping_clean

from tests.factories.courses import StaffUserFactory

from .conftest import generic_event


def _issuance_of(source, payload, external_id="evt-1") -> tuple[CompletionEvent, Issuance | None]:
    event = CompletionEvent.objects.create(source=source, external_id=external_id, body=json.dumps(payload).encode())
    completion_event_process(event_id=event.pk)
    event.refresh_from_db()
    return event, Issuance.objects.filter(event=event).first()


def _learner(language) -> dict:
    return {"id": "u-123", "email": "Ana@Example.org", "name": "Ana Lima", "language": language}


@pytest.mark.parametrize("sent,requested,served", [
    ("fr", "fr", "fr"), ("pt-BR", "pt-BR", "pt-BR"), ("pt_br", "pt-BR", "pt-BR"), ("ZH-cn", "zh-CN", "zh-Hans"),
    ("fr-CA", "fr-CA", "fr"), ("ar", "ar", "ar"), ("zh-Hans", "zh-Hans", "zh-Hans"),
])
def test_it_keeps_the_language_the_generic_contract_names(source, sent, requested, served):
    event, issuance = _issuance_of(source, generic_event(learner=_learner(sent)))
    assert event.status == CompletionEvent.Status.PROCESSED
    assert (issuance.language, issuance.language_requested) == (served, requested)


def test_without_a_language_it_takes_the_courses_then_the_organisations(source, course, organization):
    organization.language = "de"
    organization.save()
    _, issuance = _issuance_of(source, generic_event(), "no-language-1")
    assert (issuance.language, issuance.language_requested) == ("de", "")
    course.language = "it"
    course.save()
    _, issuance = _issuance_of(source, generic_event(learner=_learner("")), "no-language-2")
    assert (issuance.language, issuance.language_requested) == ("it", "")


def test_a_language_laurel_has_no_translation_for_falls_back_and_says_so(source, course):
    course.language = "es"
    course.save()
    event, issuance = _issuance_of(source, generic_event(learner=_learner("sv-SE")))
    assert event.status == CompletionEvent.Status.PROCESSED
    assert (issuance.language, issuance.language_requested) == ("es", "sv-SE")
    opened = AuditRecord.objects.get(issuance=issuance, to_state="validated")
    assert "sv-SE was asked; Laurel ships no translation for it, so the course's language, es, is used." in opened.detail


@pytest.mark.parametrize("sent", ["français", "French", "fr_", "12", 7, {"code": "fr"}])
def test_a_malformed_language_parks_naming_the_field(source, sent):
    event, issuance = _issuance_of(source, generic_event(learner=_learner(sent)))
    assert issuance is None
    assert event.status == CompletionEvent.Status.PARKED and event.park_reason == "language_invalid"
    (error,) = event.errors
    assert error["field"] == "data.learner.language"
    assert "BCP 47" in error["message"]


def test_staff_can_correct_a_malformed_language_and_the_event_goes_through(source):
    event, _ = _issuance_of(source, generic_event(learner=_learner("français")))
    parked_event_correct(event_id=event.pk, user=StaffUserFactory(), corrections={"language": "fr"})
    assert Issuance.objects.get(event=event).language == "fr"


@pytest.mark.django_db(transaction=True)
def test_a_csv_language_column_reaches_each_issuance(source, task_queue):
    data = ("email,name,course,completed_at,language\n"
            "ana@example.org,Ana Lima,FA-101,2026-01-05T09:58:00Z,pt-BR\n"
            "joe@example.org,Joe Bloggs,FA-101,2026-01-05T09:58:00Z,\n"
            "kim@example.org,Kim Lee,FA-101,2026-01-05T09:58:00Z,not a tag\n").encode()
    report = csv_import(source=source, stream=io.BytesIO(data), file_name="cohort.csv", dry_run=False)
    assert report.invalid == 1
    task_queue.run()
    assert dict(Issuance.objects.values_list("learner__email", "language")) == {"ana@example.org": "pt-BR", "joe@example.org": "en"}
    parked = CompletionEvent.objects.get(status="parked")
    assert parked.errors[0]["field"] == "language" and parked.park_reason == "language_invalid"


def test_the_form_contract_carries_a_language_cell():
    candidate, errors = FormRowDialect().adapt({"cells": {"name": "Ana", "email": "a@example.org", "language": " ja "},
                                                "course": "FA-101", "completed_at": "2026-01-05T09:58:00Z"})
    assert errors == [] and candidate.language == "ja"


def test_a_mapping_reads_the_language_from_its_path():
    mapping = mapping_clean({"auth": {"scheme": "secret_path"},
                             "fields": {"email": "user.email", "name": "user.name", "course": "course",
                                        "completed_at": {"path": "at", "format": "iso8601"}, "language": "user.locale"}})
    dialect = MappedDialect().configured({"mapping": mapping})
    candidate, errors = dialect.adapt({"user": {"email": "a@example.org", "name": "Ana", "locale": "nl-BE"}, "course": "FA-101",
                                       "at": "2026-01-05T09:58:00Z"})
    assert errors == [] and candidate.language == "nl-BE" and candidate.path("language") == "user.locale"
    assert "language" not in candidate.extra


def test_tags_are_read_in_canonical_case_and_malformed_ones_named():
    assert language_tag_parse("sr-latn-rs") == "sr-Latn-RS"
    assert language_tag_parse("en-u-ca-gregory") == "en-u-ca-gregory"
    assert language_choose("zh-TW").language is None  # traditional script: Laurel ships simplified only
    assert language_choose("pt-PT").language == "pt-BR"
    with pytest.raises(LanguageTagError, match="'en_GB!'"):
        language_tag_parse("en_GB!")
