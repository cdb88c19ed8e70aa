"""Events from staff forms (roster rows, credentials issued by hand): one source per organisation, one check, one store.

The check is the worker's own (the form dialect, then `completion_validate`), run while the person
is still on the page; the worker runs it again when it processes the event, so a course
deactivated in between still parks the event in the exception queue.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from courses.models import Course, Organization

from ..models import CompletionEvent, Source
from ..sources.base import FieldError
from ..sources.form_rows import FormRowDialect
from .processing import completion_events_enqueue
from .receive import completion_events_store
from .validation import completion_validate

FORM_SOURCE_NAME = "Staff forms (rosters, credentials issued by hand)"
# A session's completions are dated at midday in the organisation's time zone, so the date reads the
# same in any zone a certificate or email shows it in.
SESSION_TIME = time(12, 0)


def form_source_for(*, organization: Organization) -> Source:
    """The organisation's source for typed-in completions, made on first use.

    It is inactive, so no webhook URL answers for it; its events come only from the admin's forms.
    """
    source, _ = Source.objects.get_or_create(
        slug=f"staff-forms-{organization.slug}"[:80],
        defaults={"organization": organization, "name": FORM_SOURCE_NAME, "dialect": Source.Dialect.GENERIC,
                  "is_active": False, "course_matching": Source.CourseMatching.BY_CODE},
    )
    return source


def session_completed_at(*, session_date: date, organization: Organization, now: datetime | None = None) -> datetime:
    """Midday of the session in the organisation's zone; a session today that is not yet at midday: now."""
    now = now or timezone.now()
    moment = datetime.combine(session_date, SESSION_TIME, tzinfo=ZoneInfo(organization.timezone or "UTC"))
    return min(moment, now)


def form_payload(*, form: str, course: Course, completed_at: datetime, cells: dict, **context) -> dict:
    """The body kept for a form event: the cells exactly as typed, and what the form added to them."""
    return {"form": form, "course": course.code, "completed_at": completed_at.isoformat(), "cells": cells, **context}


def form_cells_check(*, source: Source, payload: dict, course_cache: dict | None = None) -> list[FieldError]:
    """The field errors the worker would park this event with; empty when it would start an issuance."""
    candidate, errors = FormRowDialect().adapt(payload)
    _, field_errors = completion_validate(
        source=source, candidate=candidate, channel=CompletionEvent.Channel.FORM, course_cache=course_cache
    )
    return errors + field_errors


def form_event_store(*, source: Source, external_id: str, payload: dict, user, detail: str) -> CompletionEvent | None:
    """Store one form event and queue it once the caller's transaction commits; None if it was stored before."""
    assert transaction.get_connection().in_atomic_block, "form_event_store must run inside a transaction"
    event = CompletionEvent(source=source, external_id=external_id, channel=CompletionEvent.Channel.FORM,
                            headers={"form": payload["form"], "entered-by": user.get_username()},
                            body=FormRowDialect.payload_body(payload))
    if not completion_events_store(events=[event]):
        return None
    audit_record(event=event, from_state="", to_state=CompletionEvent.Status.ACCEPTED, actor_kind="staff",
                 actor_user=user, actor_label=user.get_username(), detail=detail)
    completion_events_enqueue(event_ids=[event.pk], organization_id=source.organization_id)
    return event


def field_errors_json(errors: list[FieldError]) -> list[dict]:
    return [error.to_json() for error in errors]
