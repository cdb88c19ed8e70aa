"""A published rule set version's requirements, remembered per process (courses/published_rules.py)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from courses.models import RuleSetVersion
from courses.models.rules import FrozenVersionError
from courses.published_rules import published_version_rules_attach, ruleset_live_version_with_rules
from courses.services import ruleset_version_copy, ruleset_version_publish
from tests.factories.courses import AchievementFactory, RuleConditionFactory, RuleSetFactory

pytestmark = pytest.mark.django_db


def _published(ruleset, **fields):
    version = RuleSetVersion.objects.create(ruleset=ruleset, **fields)
    ruleset_version_publish(version=version)
    return version


def test_a_second_decision_under_the_same_published_version_reads_only_the_version():
    ruleset = RuleSetFactory()
    version = _published(ruleset, min_score=Decimal(80))
    ruleset_live_version_with_rules(ruleset)
    with CaptureQueriesContext(connection) as queries:
        again = ruleset_live_version_with_rules(ruleset)
        assert list(again.conditions.all()) == [] and list(again.prerequisites.all()) == []
    assert again.pk == version.pk
    assert len(queries) == 1


def test_a_newly_published_version_decides_with_its_own_conditions_at_once():
    ruleset = RuleSetFactory()
    first = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    RuleConditionFactory(version=first, path="extra.department", value="nursing")
    ruleset_version_publish(version=first)
    assert [c.value for c in ruleset_live_version_with_rules(ruleset).conditions.all()] == ["nursing"]

    draft = ruleset_version_copy(version=first)
    draft.conditions.all().delete()
    RuleConditionFactory(version=draft, path="extra.department", value="midwifery")
    ruleset_version_publish(version=draft)

    live = ruleset_live_version_with_rules(ruleset)
    assert live.pk == draft.pk
    assert [c.value for c in live.conditions.all()] == ["midwifery"]


def test_a_draft_is_never_remembered():
    ruleset = RuleSetFactory()
    draft = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    assert list(published_version_rules_attach(draft).conditions.all()) == []
    RuleConditionFactory(version=draft, value="nursing")
    draft = RuleSetVersion.objects.get(pk=draft.pk)
    assert [c.value for c in published_version_rules_attach(draft).conditions.all()] == ["nursing"]


def test_a_renamed_prerequisite_is_named_as_it_is_now():
    ruleset = RuleSetFactory()
    basic = AchievementFactory(organization=ruleset.organization, name="Basic Life Support")
    version = RuleSetVersion.objects.create(ruleset=ruleset, min_score=None)
    version.prerequisites.add(basic)
    ruleset_version_publish(version=version)
    assert [a.name for a in ruleset_live_version_with_rules(ruleset).prerequisites.all()] == ["Basic Life Support"]

    basic.name = "Basic Life Support (adult)"
    basic.save()

    assert [a.name for a in ruleset_live_version_with_rules(ruleset).prerequisites.all()] == ["Basic Life Support (adult)"]


def test_a_published_versions_prerequisites_cannot_change():
    ruleset = RuleSetFactory()
    version = _published(ruleset, min_score=None)
    other = AchievementFactory(organization=ruleset.organization)
    with pytest.raises(FrozenVersionError), transaction.atomic():
        version.prerequisites.add(other)
    with pytest.raises(FrozenVersionError), transaction.atomic():
        other.required_by.add(version)
    assert not version.prerequisites.exists()
