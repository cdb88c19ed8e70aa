"""A draft rule version never decides a completion; publishing it does, from then on."""

from decimal import Decimal

from courses.models import RuleSetVersion
from courses.services import ruleset_version_copy, ruleset_version_publish
from issuance.models import Issuance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory

from .conftest import complete, drive

State = Issuance.State


def test_a_half_edited_draft_does_not_decide_completions(smtp, course):
    live = course.ruleset.current_version
    draft = ruleset_version_copy(version=live)
    draft.min_score = Decimal(50)
    draft.save()

    issuance = drive(complete(course, score=60))

    assert issuance.state == State.INELIGIBLE
    assert issuance.ruleset_version == live
    assert not RuleSetVersion.objects.get(pk=draft.pk).is_frozen


def test_once_published_the_new_version_decides(smtp, course):
    draft = ruleset_version_copy(version=course.ruleset.current_version)
    draft.min_score = Decimal(50)
    draft.save()
    ruleset_version_publish(version=draft)

    issuance = drive(complete(course, score=60))

    assert issuance.state == State.SYNCED
    assert issuance.ruleset_version == draft


def test_a_rule_set_with_nothing_published_parks_the_completion(smtp, org):
    ruleset = RuleSetFactory(organization=org)
    RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80))  # a draft
    course = CourseFactory(organization=org, ruleset=ruleset, achievement=AchievementFactory(organization=org))

    issuance = drive(complete(course, score=95))

    assert issuance.state == State.PARKED
    assert "has no published version yet" in issuance.error
