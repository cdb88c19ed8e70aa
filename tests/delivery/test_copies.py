"""Copies of the credential email to others: the learner's manager and fixed addresses, through a real SMTP server."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditRecord
from issuance.delivery.copy_rules import copies_allowed
from issuance.delivery.outbox import outbox_send
from issuance.delivery.sending import delivery_retry_for_issuance
from issuance.models import Issuance, OutboxMessage, Suppression
from issuance.privacy.erasure import learner_erase
from issuance.privacy.subject import subject_for
from issuance.worker import issuance_advance
from stand_ins.smtp import attachments, body
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)

State = Issuance.State
COPY = OutboxMessage.Kind.CREDENTIAL_COPY
MANAGER = "rui.boss@harbour-employer.example"


def copies_of(issuance):
    return list(OutboxMessage.objects.filter(issuance=issuance, kind=COPY).order_by("recipient"))


@pytest.fixture
def copying(course):
    """FA-1 copies the learner's manager, without the PDF: the organisation's settings."""
    organization = course.organization
    organization.copy_manager = True
    organization.save()
    return course


def test_it_copies_the_manager_named_in_the_completion(smtp, copying):
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    assert issuance.state == State.SYNCED
    [learner_email] = smtp.to("ann@learners.example")
    [copy] = smtp.to(MANAGER)
    assert copy["Subject"] == "Your team member Ann Lee earned First Aid"
    assert "Ann Lee has completed First Aid with Harbour Academy" in body(copy, "plain")
    assert f"/credentials/{issuance.credential.pk}" in body(copy, "plain")
    html = body(copy, "html")
    assert "Your team member Ann Lee earned First Aid</h1>" in html
    assert "named as Ann Lee's manager in their course record" in body(copy, "plain")
    assert attachments(copy) == {}  # not configured to attach the PDF
    assert "wallet" not in body(copy, "plain").lower()  # the learner's own links stay theirs
    assert copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # a manager can stop them too
    assert attachments(learner_email)  # the learner's email is unchanged: the PDF attached
    [row] = copies_of(issuance)
    assert row.status == OutboxMessage.Status.SENT and row.recipient == MANAGER
    delivered = AuditRecord.objects.get(issuance=issuance, to_state=State.DELIVERED)
    assert f"Copies: manager {MANAGER} sent." in delivered.detail


def test_it_attaches_the_pdf_to_copies_when_configured(smtp, copying):
    copying.organization.copy_attach_pdf = True
    copying.organization.save()
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    [copy] = smtp.to(MANAGER)
    pdf = attachments(copy)["Certificate - First Aid - Ann Lee.pdf"]
    with issuance.credential.pdf.open("rb") as stored:
        assert stored.read() == pdf
    assert "Attached: Certificate - First Aid - Ann Lee.pdf" in body(copy, "plain")


def test_it_sends_fixed_addresses_a_copy_each_and_the_course_overrides_the_organisation(smtp, copying):
    copying.copies_own = True
    copying.copy_manager = False
    copying.copy_to = "hr@harbour.example\ncoordinator@harbour.example, HR@harbour.example"
    copying.save()
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    assert smtp.to(MANAGER) == []  # the course's own settings do not copy the manager
    [hr] = smtp.to("hr@harbour.example")
    [coordinator] = smtp.to("coordinator@harbour.example")
    assert hr["Subject"] == "Ann Lee earned First Aid"
    assert "Harbour Academy copies credentials for First Aid to this address" in body(coordinator, "plain")
    assert [m.recipient for m in copies_of(issuance)] == ["coordinator@harbour.example", "hr@harbour.example"]


def _statements(course, email):
    with CaptureQueriesContext(connection) as captured:
        issuance = drive(complete(course, score=92, email=email, extra={"department": "nursing"}))
    assert issuance.state == State.SYNCED
    return [query["sql"] for query in captured.captured_queries]


def test_an_issuance_without_anyone_to_copy_costs_no_statement_more(smtp, course):
    """The pipeline's statements per credential (#33 keeps them): 129 on SQLite and PostgreSQL before copies and after."""
    _statements(course, "warm@learners.example")  # the first issuance of a test writes one-off rows (keys, status list)
    _statements(course, "warm2@learners.example")  # and the second keeps the design's renderMethod card (render_method.py)
    plain = _statements(course, "ann@learners.example")
    course.organization.copy_manager = True  # configured, but this completion names no manager
    course.organization.save()
    configured = _statements(course, "bea@learners.example")

    assert len(configured) == len(plain)
    assert not [sql for sql in plain + configured if "credential-copy" in sql or "credential_copy" in sql]
    assert smtp.messages and not OutboxMessage.objects.filter(kind=COPY).exists()


def test_it_records_a_malformed_manager_address_for_staff_and_still_emails_the_learner(smtp, copying):
    issuance = drive(complete(copying, score=92, extra={"manager_email": "rui at the office"}))

    assert issuance.state == State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1
    assert len(smtp.messages) == 1
    [row] = copies_of(issuance)
    assert row.status == OutboxMessage.Status.FAILED and row.recipient == "rui at the office"
    assert "manager_email 'rui at the office' is not an email address" in row.last_error
    assert "the learner's own email was sent" in row.last_error
    # The failure signal wrote it into the learner's timeline, where staff look, and queued it for the digest.
    assert AuditRecord.objects.filter(issuance=issuance, detail__contains="rui at the office").exists()
    row.refresh_from_db()
    assert row.failure_recorded_at is not None
    # Resuming an issuance retries the learner's refused emails, never a copy: a copy never parked it.
    assert delivery_retry_for_issuance(issuance=issuance) == 0
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED


def test_it_respects_the_suppression_list_without_holding_the_learner(smtp, copying):
    Suppression.objects.create(organization=copying.organization, address=MANAGER.upper(), reason="unsubscribed")
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    assert issuance.state == State.SYNCED
    assert smtp.to(MANAGER) == [] and len(smtp.to("ann@learners.example")) == 1
    [row] = copies_of(issuance)
    assert row.status == OutboxMessage.Status.SUPPRESSED and "suppression list" in row.last_error


def test_a_retried_deliver_step_never_sends_a_copy_twice(smtp, copying):
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))
    # The worker died after the emails went and before it recorded the step: the step runs again.
    Issuance.objects.filter(pk=issuance.pk).update(state=State.BADGED, finished_at=None, next_attempt_at=None)
    issuance = drive(issuance)

    assert issuance.state == State.SYNCED
    assert len(smtp.to(MANAGER)) == 1 and len(smtp.to("ann@learners.example")) == 1
    assert len(copies_of(issuance)) == 1


def test_a_copy_the_server_turns_away_retries_on_its_own_and_the_learner_is_not_held(smtp, copying):
    smtp.refuse_recipient(MANAGER, "451 4.2.0 mailbox busy")
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    assert issuance.state == State.SYNCED and len(smtp.to("ann@learners.example")) == 1
    [row] = copies_of(issuance)
    assert row.status == OutboxMessage.Status.QUEUED and row.next_attempt_at is not None and "451" in row.last_error

    smtp.refuse_recipient(MANAGER, None)
    outbox_send(message_id=row.pk, now=row.next_attempt_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and len(smtp.to(MANAGER)) == 1


def test_a_learner_who_asked_for_erasure_is_never_copied_again(smtp, copying):
    smtp.refuse_recipient(MANAGER, "451 4.2.0 mailbox busy")
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))
    [row] = copies_of(issuance)
    assert row.status == OutboxMessage.Status.QUEUED  # waiting for its retry when the learner asks for erasure

    learner_erase(subject=subject_for(organization=copying.organization, email="ann@learners.example"))
    smtp.refuse_recipient(MANAGER, None)
    outbox_send(message_id=row.pk, now=timezone.now() + timedelta(days=1))
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED and smtp.to(MANAGER) == []
    credential = issuance.credential
    credential.refresh_from_db()
    assert not copies_allowed(credential)


def test_a_waiting_copy_is_not_sent_once_its_learner_may_no_longer_be_copied(smtp, copying):
    smtp.refuse_recipient(MANAGER, "451 4.2.0 mailbox busy")
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))
    [row] = copies_of(issuance)
    issuance.learner.__class__.objects.filter(pk=issuance.learner_id).update(erased_at=timezone.now())

    smtp.refuse_recipient(MANAGER, None)
    outbox_send(message_id=row.pk, now=timezone.now() + timedelta(days=1))
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED and "may no longer be copied" in row.last_error
    assert smtp.to(MANAGER) == []


def test_a_waiting_copy_is_not_sent_once_the_holder_hid_the_credential(smtp, copying):
    smtp.refuse_recipient(MANAGER, "451 4.2.0 mailbox busy")
    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))
    [row] = copies_of(issuance)
    issuance.credential.__class__.objects.filter(pk=issuance.credential.pk).update(holder_hidden_at=timezone.now())

    smtp.refuse_recipient(MANAGER, None)
    outbox_send(message_id=row.pk, now=timezone.now() + timedelta(days=1))
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED and "may no longer be copied" in row.last_error
    assert smtp.to(MANAGER) == []


def test_staff_see_each_copy_and_what_became_of_it_on_the_issuance_and_credential_pages(admin_client, smtp, copying):
    copying.organization.copy_to = "hr@harbour.example"
    copying.organization.save()
    issuance = drive(complete(copying, score=92, extra={"manager_email": "rui at the office"}))

    for url in (f"/admin/issuance/issuance/{issuance.pk}/change/", f"/admin/issuance/credential/{issuance.credential.pk}/change/"):
        page = admin_client.get(url).content.decode()
        assert "Copies to others" in page
        assert "hr@harbour.example" in page and "Sent" in page
        assert "rui at the office" in page and "is not an email address" in page


def test_the_copy_is_in_the_credentials_language_with_the_copy_templates_version_for_it(smtp, copying):
    from courses.models import EmailTemplate, EmailTemplateVariant

    copying.language = "fr"
    copying.save()
    template = copying.organization.email_templates.get(kind=EmailTemplate.Kind.CREDENTIAL_COPY)
    EmailTemplateVariant.objects.create(
        template=template, language="fr", subject="{{ learner_name }} a obtenu {{ achievement_name }}",
        text_body="{{ learner_name }} a obtenu {{ achievement_name }} le {{ issue_date }}. {{ credential_url }}",
        html_body="<h1>{{ learner_name }} a obtenu {{ achievement_name }}</h1>",
    )

    issuance = drive(complete(copying, score=92, extra={"manager_email": MANAGER}))

    assert issuance.language == "fr"
    [copy] = smtp.to(MANAGER)
    assert copy["Subject"] == "Ann Lee a obtenu First Aid"
    assert copy["Content-Language"] == "fr"
    text = body(copy, "plain")
    assert "Ann Lee a obtenu First Aid le " in text and "Your team member" not in text
    assert "indiqué·e comme responsable de Ann Lee" in text  # Laurel's footer in French too
