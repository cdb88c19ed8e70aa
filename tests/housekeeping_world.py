"""An organisation with a history to grow: what every periodic task reads, at a size the test chooses.

`history_add(world, n)` adds n finished completions, each with its processed event, synced issuance,
active credential, sent email and done CRM delivery: the rows that pile up over a year and that no
periodic task has anything left to do with. `attention_add(world, n)` adds n of each thing a digest
announces (a parked event, a parked issuance, a failed delivery, a failed email). A task whose cost
is bounded makes the same queries, with the same plans, however much history there is.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from courses.models import Course, Organization
from issuance.models import (
    CompletionEvent,
    Connection,
    Credential,
    Issuance,
    Learner,
    OutboundDelivery,
    OutboxMessage,
    Source,
)
from tests.factories.courses import CourseFactory
from tests.factories.issuance import SourceFactory
from tests.factories.issuance import organization_with_templates


@dataclass
class HousekeepingWorld:
    organization: Organization
    course: Course
    source: Source
    connection: Connection
    made: dict = field(default_factory=lambda: {"history": 0, "attention": 0})


def housekeeping_world(*, slug: str = "") -> HousekeepingWorld:
    slug = slug or f"org-{uuid.uuid4().hex[:8]}"
    organization = organization_with_templates(name=f"Academy {slug}", slug=slug, notification_email="staff@academy.example")
    course = CourseFactory(organization=organization)
    source = SourceFactory(organization=organization)
    connection = Connection.objects.create(organization=organization, kind="hubspot", name="CRM",
                                           settings={"portal_id": "1"})
    return HousekeepingWorld(organization=organization, course=course, source=source, connection=connection)


def _issuances(world: HousekeepingWorld, n: int, *, state: str, tag: str, days_ago: float) -> list[Issuance]:
    now = timezone.now()
    learners = Learner.objects.bulk_create(
        Learner(organization=world.organization, email=f"{tag}{i}@learners.example", name=f"Learner {tag}{i}")
        for i in range(n)
    )
    events = CompletionEvent.objects.bulk_create(
        CompletionEvent(source=world.source, external_id=f"{tag}-completion-{i}", body=b'{"bench": true}',
                        status=CompletionEvent.Status.PROCESSED, processed_at=now)
        for i in range(n)
    )
    CompletionEvent.objects.filter(pk__in=[e.pk for e in events]).update(received_at=now - timedelta(days=days_ago))
    finished = now - timedelta(days=days_ago) if state == Issuance.State.SYNCED else None
    issuances = Issuance.objects.bulk_create(
        Issuance(organization=world.organization, learner=learner, course=world.course, achievement=world.course.achievement,
                 event=event, learner_name=learner.name, state=state, finished_at=finished,
                 failed_step="deliver" if state == Issuance.State.PARKED else "",
                 error="SMTP refused" if state == Issuance.State.PARKED else "",
                 completion={"course_id": world.course.pk, "email": learner.email, "name": learner.name})
        for learner, event in zip(learners, events)
    )
    Issuance.objects.filter(pk__in=[i.pk for i in issuances]).update(state_changed_at=now - timedelta(days=days_ago))
    return issuances


def _emails(world, issuances, *, status: str, tag: str, failed: bool = False) -> None:
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(organization=world.organization, issuance=issuance, kind="credential",
                      idempotency_key=f"{tag}-email:{issuance.pk}", recipient=issuance.learner.email,
                      from_email="Academy <certs@academy.example>", subject="Your certificate", text_body="Hello",
                      status=status, attempts=1, sent_at=None if failed else now,
                      failure_recorded_at=now if failed else None, last_error="550 no such user" if failed else "")
        for issuance in issuances
    )


def _deliveries(world, issuances, *, status: str, tag: str, credentials=None) -> None:
    now = timezone.now()
    OutboundDelivery.objects.bulk_create(
        OutboundDelivery(organization=world.organization, connection=world.connection, issuance=issuance,
                         credential=credential, action="credential.issued", idempotency_key=f"{tag}-crm:{issuance.pk}",
                         status=status, attempts=1, finished_at=now,
                         last_error="401 from the CRM" if status == OutboundDelivery.Status.FAILED else "")
        for issuance, credential in zip(issuances, credentials or [None] * len(issuances))
    )


def history_add(world: HousekeepingWorld, n: int) -> None:
    """n completions whose story is over: processed, synced, credential active, emailed, synced to the CRM."""
    tag = f"h{world.made['history']}-"
    world.made["history"] += n
    issuances = _issuances(world, n, state=Issuance.State.SYNCED, tag=tag, days_ago=40)
    now = timezone.now()
    credentials = Credential.objects.bulk_create(
        Credential(issuance=issuance, learner_id=issuance.learner_id, achievement=world.course.achievement, issued_at=now,
                   valid_from=now, valid_until=now + timedelta(days=365), pdf_sha256="0" * 64)
        for issuance in issuances
    )
    _emails(world, issuances, status=OutboxMessage.Status.SENT, tag=tag)
    _deliveries(world, issuances, status=OutboundDelivery.Status.DONE, tag=tag, credentials=credentials)


def attention_add(world: HousekeepingWorld, n: int) -> None:
    """n of each thing staff must hear about: parked events, parked issuances, failed deliveries and emails."""
    tag = f"a{world.made['attention']}-"
    world.made["attention"] += n
    now = timezone.now()
    CompletionEvent.objects.bulk_create(
        CompletionEvent(source=world.source, external_id=f"{tag}unreadable-{i}", body=b"{}", status=CompletionEvent.Status.PARKED,
                        parked_at=now, park_reason="email_invalid",
                        errors=[{"field": "email", "message": "not an address"}])
        for i in range(n)
    )
    _issuances(world, n, state=Issuance.State.PARKED, tag=f"{tag}parked", days_ago=0)
    failed = _issuances(world, n, state=Issuance.State.SYNCED, tag=f"{tag}failed", days_ago=0)
    _deliveries(world, failed, status=OutboundDelivery.Status.FAILED, tag=tag)
    _emails(world, failed, status=OutboxMessage.Status.BOUNCED, tag=tag, failed=True)
