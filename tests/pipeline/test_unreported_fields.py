"""Rules on a completion's extra fields: a field nobody reported is missing, not failing.

A condition such as `extra.practical equals passed` once told a learner whose LMS sent no
`practical` at all "This course requires: Pass the practical assessment". Unknown is not empty:
the issuance parks as `extra_field_missing` for staff, naming the field, and nobody is emailed;
only a reported value that falls short is told to the learner.
"""

from decimal import Decimal

import pytest

from courses.models import RuleCondition, RuleSetVersion
from courses.rules import RuleFacts, ruleset_evaluate
from courses.services import ruleset_version_publish
from issuance.models import Issuance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.pipeline.conftest import complete, drive
from stand_ins.smtp import body

Op = RuleCondition.Operator
State = Issuance.State


@pytest.fixture
def practical_course(org):
    """A course that needs the practical passed and a role among nurse or paramedic, and no score."""
    ruleset = RuleSetFactory(organization=org, name="Practical")
    version = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    RuleCondition.objects.create(version=version, path="extra.practical", operator=Op.EQUALS, value="passed", group=1,
                                 description="Pass the practical assessment")
    RuleCondition.objects.create(version=version, path="extra.role", operator=Op.EQUALS, value="nurse", group=2,
                                 description="Be a registered nurse")
    RuleCondition.objects.create(version=version, path="extra.role", operator=Op.EQUALS, value="paramedic", group=2,
                                 description="Be a paramedic")
    ruleset_version_publish(version=version)
    achievement = AchievementFactory(organization=org, name="Clinical Skills")
    return CourseFactory(organization=org, code="CS-1", title="Clinical Skills", achievement=achievement, ruleset=ruleset)


def evaluate(course, extra):
    return ruleset_evaluate(version=course.ruleset.current_version, facts=RuleFacts(extra=extra), held=[], at=None)


def test_a_field_that_was_not_reported_is_missing_not_a_reason(practical_course):
    result = evaluate(practical_course, {"role": "nurse"})
    assert (result.eligible, result.reasons, result.missing) == (False, [], ["extra.practical"])
    for unreported in ({}, None, {"practical": None, "role": ""}):
        result = evaluate(practical_course, unreported)
        assert (result.reasons, result.missing) == ([], ["extra.practical", "extra.role"]), unreported


def test_a_reported_value_that_falls_short_is_still_told(practical_course):
    result = evaluate(practical_course, {"practical": "failed", "role": "porter"})
    assert result.missing == []
    assert result.reasons == ["This course requires: Pass the practical assessment.",
                              "This course requires one of: Be a registered nurse; Be a paramedic."]


def test_an_unreported_field_is_not_needed_when_another_condition_of_its_group_holds(org):
    ruleset = RuleSetFactory(organization=org, name="Either")
    version = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    RuleCondition.objects.create(version=version, path="extra.certified", operator=Op.EQUALS, value="true", group=1)
    RuleCondition.objects.create(version=version, path="extra.hours", operator=Op.GREATER_OR_EQUAL, value="8", group=1)
    assert ruleset_evaluate(version=version, facts=RuleFacts(extra={"hours": 9}), held=[], at=None).eligible
    # One reported and short, one not reported: the other might have held, so it is missing, not a reason.
    short = ruleset_evaluate(version=version, facts=RuleFacts(extra={"hours": 6}), held=[], at=None)
    assert (short.reasons, short.missing) == ([], ["extra.certified"])


def test_an_unreported_field_parks_the_issuance_for_staff_and_emails_no_one(smtp, practical_course):
    issuance = drive(complete(practical_course, extra={"role": "paramedic"}))
    assert (issuance.state, issuance.park_reason, issuance.failed_step) == (State.PARKED, "extra_field_missing", "decide")
    assert "extra.practical" in issuance.error and "CS-1" in issuance.error
    assert issuance.reasons == [] and smtp.messages == []  # never "This course requires: Pass the practical assessment"


def test_a_reported_field_that_falls_short_is_told_to_the_learner(smtp, practical_course):
    issuance = drive(complete(practical_course, extra={"role": "paramedic", "practical": "failed"}))
    assert issuance.state == State.INELIGIBLE
    [message] = smtp.to("ann@learners.example")
    assert "This course requires: Pass the practical assessment." in body(message, "plain")


def test_a_field_reported_after_a_resume_decides_as_reported(smtp, practical_course):
    from issuance.pipeline import issuance_resume

    issuance = drive(complete(practical_course, extra={"role": "nurse"}))
    assert issuance.park_reason == "extra_field_missing"
    completion = {**issuance.completion, "extra": {"role": "nurse", "practical": "passed"}}
    Issuance.objects.filter(pk=issuance.pk).update(completion=completion)
    issuance_resume(issuance_id=issuance.pk, actor_user=None)
    assert drive(Issuance.objects.get(pk=issuance.pk)).state == State.SYNCED


def test_a_missing_score_and_a_missing_field_park_as_the_score_first(smtp, org, practical_course):
    version = practical_course.ruleset.current_version
    draft = RuleSetVersion.objects.create(ruleset=practical_course.ruleset, min_score=Decimal(80))
    for condition in version.conditions.all():
        RuleCondition.objects.create(version=draft, path=condition.path, operator=condition.operator, value=condition.value,
                                     group=condition.group, description=condition.description)
    ruleset_version_publish(version=draft)
    issuance = drive(complete(practical_course, extra={"role": "nurse"}))
    assert issuance.park_reason == "score_missing"
    assert "score" in issuance.error and "extra.practical" in issuance.error
