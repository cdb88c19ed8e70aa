import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.models import Credential, Issuance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory, StaffUserFactory
from tests.factories.issuance import CredentialFactory, IssuanceFactory, LearnerFactory
from tests.pipeline.conftest import complete, drive
from stand_ins.smtp import attachments, body

State = Issuance.State
STEPS = ["validated", "eligible", "rendered", "badged", "delivered", "synced"]


def timeline(issuance):
    return [(r.from_state, r.to_state) for r in issuance.audit_records.order_by("at", "id")]


def test_it_turns_a_passing_completion_into_a_delivered_email_with_the_certificate(smtp, course):
    issuance = drive(complete(course, score=92))

    assert issuance.state == State.SYNCED and issuance.finished_at is not None
    assert [to for _, to in timeline(issuance)] == STEPS
    [message] = smtp.to("ann@learners.example")
    assert message["Subject"] == "Your certificate for First Aid"
    assert message["From"] == "Harbour Academy <certificates@harbour.example>"
    credential = issuance.credential
    assert f"/credentials/{credential.pk}" in body(message, "plain")
    pdf = attachments(message)["Certificate - First Aid - Ann Lee.pdf"]
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == credential.pdf_sha256
    with credential.pdf.open("rb") as stored:
        assert stored.read() == pdf


def test_it_dates_the_credential_from_the_achievements_validity(smtp, course):
    completed = timezone.now() - timedelta(days=2)
    credential = drive(complete(course, score=92, when=completed)).credential
    assert credential.valid_from == completed
    assert credential.valid_until == completed + relativedelta(months=12)
    assert credential.status == Credential.Status.ACTIVE
    assert credential.template_version == 1
    assert len(str(credential.pk)) == 36  # a random UUID, not a counter


def test_it_freezes_and_records_the_rule_set_version_that_decided(smtp, course):
    issuance = drive(complete(course, score=92))
    version = course.ruleset.current_version
    assert issuance.ruleset_version == version
    version.refresh_from_db()
    assert version.is_frozen


def test_it_makes_a_failing_completion_ineligible_and_tells_the_learner_what_they_still_need(smtp, course):
    issuance = drive(complete(course, score=72))

    assert issuance.state == State.INELIGIBLE and issuance.finished_at is not None
    assert issuance.reasons == ["Your score was 72; this course requires 80."]
    assert not Credential.objects.filter(issuance=issuance).exists()
    [message] = smtp.to("ann@learners.example")
    assert message["Subject"] == "First Aid: what you still need for your certificate"
    assert "1. Your score was 72; this course requires 80." in body(message, "plain")
    assert ">Your score was 72; this course requires 80.</td>" in body(message, "html")
    assert timeline(issuance) == [("", "validated"), ("validated", "ineligible"), ("ineligible", "ineligible")]


def test_it_lets_a_learner_who_failed_pass_a_retake(smtp, course):
    drive(complete(course, score=60))
    retake = drive(complete(course, score=85))
    assert retake.state == State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 2


def test_it_records_a_duplicate_instead_of_a_second_credential(smtp, course):
    first = drive(complete(course, score=92))
    second = drive(complete(course, score=95))

    assert second.state == State.DUPLICATE and second.finished_at is not None
    assert second.reasons[0].startswith("You already hold First Aid (issued ")
    assert Credential.objects.filter(learner=first.learner).count() == 1
    assert len(smtp.to("ann@learners.example")) == 1


def test_it_issues_a_new_credential_linked_to_an_expired_one(smtp, course):
    learner = LearnerFactory(organization=course.organization, email="ann@learners.example")
    old = CredentialFactory(
        issuance=IssuanceFactory(course=course, learner=learner),
        valid_until=timezone.now() - timedelta(days=1),
    )
    issuance = drive(complete(course, score=92))

    assert issuance.state == State.SYNCED
    new = issuance.credential
    assert new.replaces == old
    old.refresh_from_db()
    assert old.status == Credential.Status.EXPIRED
    assert f"replaces expired {old.pk}" in issuance.audit_records.get(to_state="eligible").detail


def test_it_refuses_a_course_whose_prerequisite_has_expired(smtp, org):
    basic = AchievementFactory(organization=org, name="Basic Life Support")
    ruleset = RuleSetFactory(organization=org)
    version = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None, min_attendance=Decimal(90))
    version.prerequisites.add(basic)
    ruleset_version_publish(version=version)
    advanced = CourseFactory(organization=org, ruleset=ruleset)
    learner = LearnerFactory(organization=org, email="ann@learners.example")
    CredentialFactory(
        issuance=IssuanceFactory(course=CourseFactory(organization=org, achievement=basic), learner=learner),
        valid_until=timezone.now() - timedelta(days=10),
    )

    issuance = drive(complete(advanced, attendance=95))

    assert issuance.state == State.INELIGIBLE
    assert issuance.reasons[0].startswith("Your Basic Life Support credential expired on ")


def test_it_issues_once_the_prerequisite_is_held_and_current(smtp, org):
    basic = AchievementFactory(organization=org, name="Basic Life Support")
    ruleset = RuleSetFactory(organization=org)
    version = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    version.prerequisites.add(basic)
    ruleset_version_publish(version=version)
    advanced = CourseFactory(organization=org, ruleset=ruleset)
    learner = LearnerFactory(organization=org, email="ann@learners.example")
    CredentialFactory(issuance=IssuanceFactory(course=CourseFactory(organization=org, achievement=basic), learner=learner))

    assert drive(complete(advanced)).state == State.SYNCED


def test_it_keeps_learner_text_as_text_in_the_email_and_the_certificate(smtp, course):
    name = "Zoë <script>alert(1)</script> O'Brien {{ secret }}"
    issuance = drive(complete(course, score=92, name=name))

    [message] = smtp.to("ann@learners.example")
    assert f"Congratulations, {name}!" in body(message, "plain")
    html = body(message, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    [(filename, pdf)] = attachments(message).items()
    assert filename == "Certificate - First Aid - Zoë script alert(1) script O'Brien {{ secret }}.pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "<script>alert(1)</script>" in text and "{{ secret }}" in text
    assert issuance.learner_name == name


@pytest.mark.django_db
def test_it_snapshots_the_learners_name_onto_each_issuance(smtp, course):
    first = drive(complete(course, score=10, name="Ann Lee"))
    second = drive(complete(course, score=10, name="Ann Lee-Smith"))
    assert (first.learner_name, second.learner_name) == ("Ann Lee", "Ann Lee-Smith")
    assert first.learner == second.learner


def test_a_score_the_rules_need_and_nobody_reported_parks_for_staff_and_emails_no_one(smtp, course):
    issuance = drive(complete(course, score=None))

    assert (issuance.state, issuance.park_reason, issuance.failed_step) == (State.PARKED, "score_missing", "decide")
    assert "typed in by staff" in issuance.error and "FA-1" in issuance.error
    assert issuance.reasons == [] and smtp.messages == []  # never "No score was reported for you"
    assert not Credential.objects.filter(issuance=issuance).exists()


def test_a_staff_override_still_issues_without_the_missing_score(smtp, course):
    issuance = complete(course, score=None)
    user = StaffUserFactory(username="lead")
    Issuance.objects.filter(pk=issuance.pk).update(rules_overridden_by=user, rules_override_reason="Marked on paper: 91")
    assert drive(issuance).state == State.SYNCED
