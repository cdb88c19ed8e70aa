from datetime import datetime, timedelta
from datetime import timezone as tz
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import RuleCondition, RuleSetVersion
from courses.rules import HeldAchievement, RuleFacts, condition_holds, ruleset_evaluate
from issuance.completions import Completion
from tests.factories.courses import AchievementFactory, RuleSetFactory

Op = RuleCondition.Operator
NOW = timezone.now()


def version(**fields):
    return RuleSetVersion.objects.create(ruleset=RuleSetFactory(), **fields)


def condition(v, path, operator, value="", group=1, description=""):
    return RuleCondition.objects.create(version=v, path=path, operator=operator, value=value, group=group, description=description)


def evaluate(v, completion=None, held=()):
    return ruleset_evaluate(version=v, facts=RuleFacts(**(completion or {})), held=list(held), at=NOW)


def test_it_passes_everyone_when_the_course_has_no_rules():
    assert evaluate(None).eligible


@pytest.mark.django_db
def test_it_explains_a_score_below_the_pass_mark_in_the_learners_terms():
    result = evaluate(version(min_score=Decimal(80)), {"score": "72"})
    assert not result.eligible
    assert result.reasons == ["Your score was 72; this course requires 80."]


@pytest.mark.django_db
def test_it_accepts_a_score_exactly_at_the_pass_mark():
    assert evaluate(version(min_score=Decimal("80.00")), {"score": "80"}).eligible


@pytest.mark.django_db
@pytest.mark.parametrize("unreported", [None, ""])
def test_a_score_that_was_not_reported_is_missing_not_failing(unreported):
    result = evaluate(version(min_score=Decimal(80)), {"score": unreported, "attendance": "95"})
    assert (result.eligible, result.reasons, result.missing) == (False, [], ["score"])


@pytest.mark.django_db
def test_every_fact_the_rules_compare_is_needed_the_minimums_and_the_conditions():
    v = version(min_score=None, min_attendance=Decimal(90))
    condition(v, "score", Op.GREATER_OR_EQUAL, "50")
    condition(v, "score", Op.EXISTS, group=2)
    assert evaluate(v, {"score": "70"}).missing == ["attendance"]
    assert evaluate(v, {"attendance": "95"}).missing == ["score"]
    assert evaluate(v, {"score": "70", "attendance": "95"}).eligible


@pytest.mark.django_db
def test_a_presence_condition_alone_does_not_make_a_fact_needed():
    v = version(min_score=None)
    condition(v, "score", Op.EXISTS, description="a score")
    result = evaluate(v, {"score": None})
    assert (result.missing, result.reasons) == ([], ["This course requires: a score."])


@pytest.mark.django_db
def test_it_explains_attendance_below_the_minimum_with_percentages():
    result = evaluate(version(min_score=None, min_attendance=Decimal(90)), {"attendance": "85.5"})
    assert result.reasons == ["Your attendance was 85.5%; this course requires 90%."]


@pytest.mark.django_db
def test_it_lists_every_failed_requirement_not_just_the_first():
    v = version(min_score=Decimal(80), min_attendance=Decimal(90))
    result = evaluate(v, {"score": "50", "attendance": "10"})
    assert len(result.reasons) == 2


@pytest.mark.django_db
class TestPrerequisites:
    def setup_method(self):
        self.first_aid = AchievementFactory(name="First Aid at Work")
        self.v = version(min_score=None)
        self.v.prerequisites.add(self.first_aid)

    def test_it_requires_a_prerequisite_the_learner_does_not_hold(self):
        result = evaluate(self.v)
        assert result.reasons == ["This course requires First Aid at Work, which you do not hold yet."]

    def test_it_accepts_a_prerequisite_held_without_expiry(self):
        assert evaluate(self.v, held=[HeldAchievement(self.first_aid.pk, None, True)]).eligible

    def test_it_accepts_a_prerequisite_still_valid(self):
        assert evaluate(self.v, held=[HeldAchievement(self.first_aid.pk, NOW + timedelta(days=1), True)]).eligible

    def test_it_refuses_an_expired_prerequisite_and_says_when_it_expired(self):
        expired = NOW - timedelta(days=3)
        result = evaluate(self.v, held=[HeldAchievement(self.first_aid.pk, expired, True)])
        assert result.reasons == [
            f"Your First Aid at Work credential expired on {expired:%d %B %Y}; this course requires it to be current."
        ]

    def test_it_does_not_count_a_revoked_prerequisite(self):
        result = evaluate(self.v, held=[HeldAchievement(self.first_aid.pk, None, False)])
        assert "which you do not hold yet" in result.reasons[0]

    def test_it_accepts_a_renewed_prerequisite_beside_an_expired_one(self):
        held = [HeldAchievement(self.first_aid.pk, NOW - timedelta(days=30), True),
                HeldAchievement(self.first_aid.pk, NOW + timedelta(days=300), True)]
        assert evaluate(self.v, held=held).eligible

    def test_it_ignores_other_achievements(self):
        other = AchievementFactory()
        assert not evaluate(self.v, held=[HeldAchievement(other.pk, None, True)]).eligible


@pytest.mark.django_db
class TestConditionGroups:
    def setup_method(self):
        self.v = version(min_score=None)
        condition(self.v, "extra.role", Op.EQUALS, "nurse", group=1, description="Be a registered nurse")
        condition(self.v, "extra.role", Op.EQUALS, "paramedic", group=1, description="Be a paramedic")
        condition(self.v, "extra.practical", Op.EQUALS, "passed", group=2, description="Pass the practical assessment")

    def test_it_passes_when_any_condition_in_each_group_holds(self):
        assert evaluate(self.v, {"extra": {"role": "paramedic", "practical": "passed"}}).eligible

    def test_it_fails_a_group_where_no_condition_holds_and_names_the_alternatives(self):
        result = evaluate(self.v, {"extra": {"role": "porter", "practical": "passed"}})
        assert result.reasons == ["This course requires one of: Be a registered nurse; Be a paramedic."]

    def test_it_ands_groups_so_one_failed_group_is_enough_to_refuse(self):
        result = evaluate(self.v, {"extra": {"role": "nurse", "practical": "failed"}})
        assert result.reasons == ["This course requires: Pass the practical assessment."]

    def test_it_reports_each_failed_group(self):
        assert len(evaluate(self.v, {"extra": {"role": "porter", "practical": "failed"}}).reasons) == 2

    def test_it_reads_fields_nobody_reported_as_missing_not_as_failed_groups(self):
        result = evaluate(self.v, {"extra": {}})
        assert (result.reasons, result.missing) == ([], ["extra.role", "extra.practical"])

    def test_it_describes_a_condition_without_a_description_by_its_path_and_operator(self):
        v = version(min_score=None)
        condition(v, "extra.hours", Op.GREATER_OR_EQUAL, "8")
        assert evaluate(v, {"extra": {"hours": 7}}).reasons == ["This course requires: extra.hours is at least 8."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, operator, value, completion, expected",
    [
        ("extra.dept", Op.EQUALS, "Nursing", {"extra": {"dept": "nursing "}}, True),
        ("extra.dept", Op.EQUALS, "nursing", {"extra": {"dept": "surgery"}}, False),
        ("extra.dept", Op.NOT_EQUALS, "nursing", {"extra": {"dept": "surgery"}}, True),
        ("extra.dept", Op.NOT_EQUALS, "nursing", {"extra": {}}, True),
        ("score", Op.GREATER, "80", {"score": "80.5"}, True),
        ("score", Op.GREATER, "80", {"score": "80"}, False),
        ("score", Op.GREATER_OR_EQUAL, "80", {"score": "80"}, True),
        ("score", Op.LESS, "3", {"score": 2}, True),
        ("score", Op.LESS_OR_EQUAL, "3", {"score": "3.01"}, False),
        ("score", Op.GREATER, "80", {"score": "high"}, False),
        ("extra.site", Op.IN, "leeds, york", {"extra": {"site": "York"}}, True),
        ("extra.site", Op.IN, "leeds,york", {"extra": {"site": "hull"}}, False),
        ("extra.site", Op.NOT_IN, "leeds,york", {"extra": {"site": "hull"}}, True),
        ("extra.modules", Op.CONTAINS, "cpr", {"extra": {"modules": ["intro", "CPR"]}}, True),
        ("extra.modules", Op.CONTAINS, "cpr", {"extra": {"modules": ["intro"]}}, False),
        ("extra.note", Op.CONTAINS, "signed", {"extra": {"note": "form signed by tutor"}}, True),
        ("extra.badge_id", Op.EXISTS, "", {"extra": {"badge_id": "b-1"}}, True),
        ("extra.badge_id", Op.EXISTS, "", {"extra": {"badge_id": ""}}, False),
        ("extra.badge_id", Op.EXISTS, "", {}, False),
        ("extra.modules.1", Op.EQUALS, "cpr", {"extra": {"modules": ["intro", "cpr"]}}, True),
        ("extra.modules.5", Op.EQUALS, "cpr", {"extra": {"modules": ["intro", "cpr"]}}, False),
        ("extra.flag", Op.EQUALS, "true", {"extra": {"flag": True}}, True),
        ("extra.dept", Op.EQUALS, "nursing", {"extra": None}, False),
    ],
)
def test_it_evaluates_each_operator_against_the_payload(path, operator, value, completion, expected):
    v = version(min_score=None)
    assert condition_holds(condition(v, path, operator, value), RuleFacts(**completion)) is expected


@pytest.mark.django_db
def test_a_typed_completion_reads_as_the_sender_wrote_it_by_every_path():
    completion = Completion(course_id=7, email="ana@example.org", name="Ana Lima", completed_at=datetime(2026, 3, 14, 10, 0, tzinfo=tz.utc),
                            score=Decimal("92.50"), extra={"site": "York", "modules": ["intro", "cpr"]})
    facts = completion.rule_facts()
    v = version(min_score=Decimal(90))
    holds = [
        ("completed_at", Op.CONTAINS, "2026-03-14T10:00"), ("score", Op.EQUALS, "92.50"), ("score", Op.GREATER, "92"),
        ("email", Op.EQUALS, "ANA@example.org"), ("course_id", Op.EQUALS, "7"), ("extra.modules.1", Op.EQUALS, "CPR"),
        ("learner_external_id", Op.NOT_EQUALS, "x"),
    ]
    fails = [("attendance", Op.EXISTS, ""), ("learner_external_id", Op.EXISTS, ""), ("unknown", Op.EXISTS, ""),
             ("extra.site.name", Op.EXISTS, "")]
    assert [condition_holds(condition(v, *c), facts) for c in holds] == [True] * len(holds)
    assert [condition_holds(condition(v, *c), facts) for c in fails] == [False] * len(fails)
    assert ruleset_evaluate(version=v, facts=facts, held=[], at=NOW).eligible
