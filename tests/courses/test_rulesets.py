import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import FrozenVersionError, RuleCondition, RuleSetVersion
from courses.services import ruleset_version_publish
from tests.factories.courses import AchievementFactory, RuleConditionFactory, RuleSetFactory, RuleSetVersionFactory


def test_it_numbers_versions_in_order(db):
    ruleset = RuleSetFactory()
    versions = [RuleSetVersionFactory(ruleset=ruleset) for _ in range(3)]
    assert [version.number for version in versions] == [1, 2, 3]
    assert ruleset.current_version is None  # drafts, until one is published (issue 21)
    ruleset_version_publish(version=versions[2])
    assert ruleset.current_version.number == 3


def test_it_refuses_to_change_a_frozen_version_in_place(db):
    version = RuleSetVersionFactory()
    version.freeze()
    version.min_score = 50
    with pytest.raises(FrozenVersionError, match="create a new version"):
        version.save()
    with pytest.raises(FrozenVersionError):
        RuleConditionFactory(version=version)


def test_it_refuses_to_delete_a_frozen_versions_condition(db):
    condition = RuleConditionFactory()
    condition.version.freeze()
    with pytest.raises(FrozenVersionError):
        condition.delete()


@pytest.mark.parametrize(
    "operator, value, message",
    [
        ("gte", "eighty", "needs a number"),
        ("exists", "yes", "takes no value"),
        ("eq", "", "needs a value"),
    ],
)
def test_it_explains_a_condition_that_does_not_make_sense(db, operator, value, message):
    condition = RuleCondition(version=RuleSetVersionFactory(), path="score", operator=operator, value=value)
    with pytest.raises(ValidationError, match=message):
        condition.full_clean()


def test_it_refuses_a_condition_path_that_is_not_dotted_keys(db):
    condition = RuleCondition(version=RuleSetVersionFactory(), path="extra..x y", operator="exists")
    with pytest.raises(ValidationError, match="dot-separated"):
        condition.full_clean()


def test_the_admin_shows_a_frozen_version_read_only(admin_client, db):
    version = RuleSetVersionFactory(min_score=80)
    version.freeze()
    url = reverse("admin:courses_rulesetversion_change", args=[version.pk])
    page = admin_client.get(url).content.decode()
    assert "is frozen" in page
    assert 'name="min_score"' not in page
    response = admin_client.post(url, {"min_score": "10"})
    version.refresh_from_db()
    assert version.min_score == 80
    assert response.status_code in (200, 302, 403)


def test_the_admin_edits_a_frozen_version_as_a_new_version(admin_client, db):
    prerequisite = AchievementFactory()
    version = RuleSetVersionFactory(min_score=80, ruleset__organization=prerequisite.organization)
    version.prerequisites.add(prerequisite)
    RuleConditionFactory(version=version, group=2, path="extra.site", operator="in", value="Leeds, York")
    ruleset_version_publish(version=version)
    version.freeze()

    response = admin_client.post(reverse("admin:courses_rulesetversion_new", args=[version.pk]))

    draft = RuleSetVersion.objects.get(ruleset=version.ruleset, number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:courses_rulesetversion_change", args=[draft.pk])
    assert not draft.is_frozen and draft.min_score == 80
    assert list(draft.prerequisites.all()) == [prerequisite]
    assert [(c.group, c.path, c.value) for c in draft.conditions.all()] == [(2, "extra.site", "Leeds, York")]
    assert version.ruleset.current_version == version  # the draft is not live until published (issue 21)
    # the draft is editable through the admin form
    page = admin_client.get(reverse("admin:courses_rulesetversion_change", args=[draft.pk])).content.decode()
    assert 'name="min_score"' in page
