"""A learner who completes a programme's courses gets its credential by themselves, once, through the pipeline."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import RuleSetVersion
from courses.programmes import programme_create
from courses.services import ruleset_version_publish

from audit.models import AuditRecord
from issuance.credentials import credential_url
from issuance.models import Credential, Issuance, ProgrammeAward
from tests.factories.courses import RuleSetFactory
from tests.pipeline.conftest import complete, drive
from stand_ins.smtp import attachments, body

State = Issuance.State


def finish_all(courses, codes, **kwargs):
    return [drive(complete(courses[code], **kwargs)) for code in codes]


def programme_issuances(programme):
    return Issuance.objects.filter(course=programme.course)


def run_programme(programme):
    [issuance] = programme_issuances(programme)
    return drive(issuance)


def test_it_issues_the_programme_credential_when_the_third_course_is_completed(smtp, courses, make_programme):
    programme = make_programme()
    first_two = finish_all(courses, ["FA-101", "FS-101"])
    assert not programme_issuances(programme).exists()

    [third] = finish_all(courses, ["MH-101"])
    issuance = run_programme(programme)

    assert issuance.state == State.SYNCED
    credential = issuance.credential
    assert credential.achievement == programme.achievement and credential.status == Credential.Status.ACTIVE
    subjects = [m["Subject"] for m in smtp.to("ann@learners.example")]
    assert subjects.count("Your certificate for Workplace Safety Officer") == 1
    [message] = [m for m in smtp.to("ann@learners.example") if m["Subject"] == "Your certificate for Workplace Safety Officer"]
    assert "Certificate - Workplace Safety Officer - Ann Lee.pdf" in attachments(message)
    evidence = credential.badge["evidence"]
    constituents = [i.credential for i in [*first_two, third]]
    assert sorted(e["id"] for e in evidence) == sorted(credential_url(credential_id=c.pk, suffix=".json") for c in constituents)
    assert sorted(e["name"] for e in evidence) == ["Fire Safety", "First Aid", "Manual Handling"]
    assert "Programme WSO satisfied by ann@learners.example" in " ".join(
        AuditRecord.objects.filter(issuance=issuance).values_list("detail", flat=True))


def test_it_issues_it_once_however_often_a_constituent_is_completed_again(smtp, courses, make_programme):
    programme = make_programme()
    finish_all(courses, ["FA-101", "FS-101", "MH-101"])
    run_programme(programme)
    finish_all(courses, ["FA-101", "MH-101"])  # duplicates of live credentials: nothing new ends with a credential

    assert programme_issuances(programme).count() == 1
    assert ProgrammeAward.objects.filter(programme=programme).count() == 1


def test_it_issues_at_least_n_of_the_list(smtp, courses, make_programme):
    programme = make_programme(required_count=2)
    finish_all(courses, ["FA-101"])
    assert not programme_issuances(programme).exists()
    finish_all(courses, ["MH-101"])
    assert run_programme(programme).state == State.SYNCED


def test_it_needs_the_required_ones_plus_n_of_the_rest(smtp, org, courses, make_programme):
    programme = programme_create(
        organization=org, code="WSO", name="Workplace Safety Officer", required=[courses["FA-101"].achievement],
        constituents=[courses["FS-101"].achievement, courses["MH-101"].achievement], required_count=1)
    finish_all(courses, ["FS-101", "MH-101"])
    assert not programme_issuances(programme).exists()
    finish_all(courses, ["FA-101"])
    assert run_programme(programme).state == State.SYNCED


def test_it_counts_only_completions_within_the_window(smtp, courses, make_programme):
    programme = make_programme(within_days=30)
    old = timezone.now() - timedelta(days=90)
    [first_aid] = finish_all(courses, ["FA-101"])
    Credential.objects.filter(pk=first_aid.credential.pk).update(issued_at=old)
    finish_all(courses, ["FS-101", "MH-101"])
    assert not programme_issuances(programme).exists()


def test_it_refuses_a_completion_of_the_programme_code_from_a_learner_who_lacks_its_courses(smtp, courses, make_programme):
    programme = make_programme()
    finish_all(courses, ["FA-101"])
    issuance = drive(complete(programme.course))

    assert issuance.state == State.INELIGIBLE
    assert issuance.reasons == ["Workplace Safety Officer: 1 of 3 done: Fire Safety, Manual Handling remain."]


def test_it_tells_a_learner_who_falls_short_where_they_stand_on_the_programme(smtp, org, courses, make_programme):
    make_programme()
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    courses["MH-101"].ruleset = ruleset
    courses["MH-101"].save()
    finish_all(courses, ["FA-101", "FS-101"])

    [issuance] = finish_all(courses, ["MH-101"], score=50)

    assert issuance.state == State.INELIGIBLE
    [message] = [m for m in smtp.to("ann@learners.example") if "what you still need" in m["Subject"]]
    assert "Workplace Safety Officer: 2 of 3 done: Manual Handling remains." in body(message, "plain")
    assert "<li>Workplace Safety Officer: 2 of 3 done: Manual Handling remains.</li>" in body(message, "html")
