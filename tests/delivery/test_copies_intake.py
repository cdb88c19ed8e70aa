"""The manager's address reaches the copy from every intake path: the generic contract, a CSV file, a mapping and a roster."""

import io
import json

import pytest

from issuance.intake.csv_import import csv_import
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance, OutboxMessage
from issuance.sources.configure import source_configure
from stand_ins.smtp import body
from tests.factories.issuance import SourceFactory
from tests.pipeline.conftest import course, drive, org, smtp  # noqa: F401  (fixtures)
from tests.pipeline.test_typed_in import facilitator, roster_post  # noqa: F401  (fixture)

MANAGER = "rui.boss@harbour-employer.example"


@pytest.fixture
def copying(course):
    course.organization.copy_manager = True
    course.organization.save()
    return course


def issued_through(events) -> Issuance:
    """What the worker does with the stored events: intake, then every pipeline step."""
    for event in events:
        completion_event_process(event_id=event.pk)
        event.refresh_from_db()
        assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    [issuance] = Issuance.objects.all()
    return drive(issuance)


def assert_manager_copied(smtp, issuance):
    assert issuance.state == Issuance.State.SYNCED
    assert issuance.completion["extra"]["manager_email"] == MANAGER
    [copy] = smtp.to(MANAGER)
    assert copy["Subject"] == "Your team member Ann Lee earned First Aid"
    assert f"/credentials/{issuance.credential.pk}" in body(copy, "plain")
    assert len(smtp.to("ann@learners.example")) == 1


def test_the_generic_contract_carries_the_manager_in_data_learner_manager_email(smtp, copying):
    source = SourceFactory(organization=copying.organization)
    payload = {"type": "course.completed", "timestamp": "2026-01-05T10:00:00Z", "data": {
        "learner": {"id": "u-1", "email": "ann@learners.example", "name": "Ann Lee", "manager_email": MANAGER},
        "course": {"id": "FA-1"}, "completed_at": "2026-01-05T09:58:00Z", "score": 92, "extra": {"department": "wards"}}}
    event = CompletionEvent.objects.create(source=source, external_id="evt-1", body=json.dumps(payload).encode())

    issuance = issued_through([event])

    assert_manager_copied(smtp, issuance)
    assert issuance.completion["extra"]["department"] == "wards"  # the sender's own extra data is kept beside it


def test_a_csv_file_carries_the_manager_in_a_manager_email_column(smtp, copying):
    source = SourceFactory(organization=copying.organization)
    data = ("email,name,course,completed_at,score,manager_email\n"
            f"ann@learners.example,Ann Lee,FA-1,2026-01-05T09:58:00Z,92,{MANAGER}\n").encode()
    report = csv_import(source=source, stream=io.BytesIO(data), file_name="cohort.csv", dry_run=False)
    assert report.invalid == 0

    assert_manager_copied(smtp, issued_through(CompletionEvent.objects.filter(channel="csv")))


def test_a_mapping_carries_the_manager_in_fields_extra_manager_email(smtp, copying):
    mapping = {"auth": {"scheme": "secret_path"}, "fields": {
        "event_id": "id", "email": "user.email", "name": "user.name", "course": "course.code",
        "completed_at": {"path": "finished", "format": "iso8601"}, "score": {"path": "grade"},
        "extra": {"manager_email": "user.line_manager.email"}}}
    source, _ = source_configure(organization_slug=copying.organization.slug, slug="academy-lms", dialect="mapped",
                                 secret="a-long-enough-secret-path-value", settings={"mapping": mapping})
    payload = {"id": "d-1", "user": {"email": "ann@learners.example", "name": "Ann Lee", "line_manager": {"email": MANAGER}},
               "course": {"code": "FA-1"}, "finished": "2026-01-05T09:58:00Z", "grade": 92}
    event = CompletionEvent.objects.create(source=source, external_id="d-1", body=json.dumps(payload).encode())

    assert_manager_copied(smtp, issued_through([event]))


def test_a_roster_carries_the_manager_in_its_managers_email_column(client, smtp, copying, facilitator):
    client.force_login(facilitator)
    response = roster_post(client, copying, paste=f"Name\tEmail\tScore\tManager's email\nAnn Lee\tann@learners.example\t92\t{MANAGER}\n")
    assert response.status_code == 302

    assert_manager_copied(smtp, issued_through(CompletionEvent.objects.filter(channel="form")))
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CREDENTIAL_COPY, recipient=MANAGER).count() == 1
