"""Rule versions are drafts until published: publishing is explicit and audited, the page says what
is live and what a draft changes, and an achievement's criteria can follow the live rules."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from courses.rule_descriptions import achievement_criteria_disagreements, ruleset_version_criteria
from courses.services import VersionNotPublishable, ruleset_version_copy, ruleset_version_publish
from courses.models import RuleSet, RuleSetVersion
from tests.factories.courses import (
    AchievementFactory,
    CourseFactory,
    OrganizationFactory,
    RuleConditionFactory,
    RuleSetVersionFactory,
)


@pytest.fixture
def live(db):
    """v1 of a rule set, published: a score of at least 80."""
    return ruleset_version_publish(version=RuleSetVersionFactory(min_score=Decimal(80)))


def test_it_keeps_the_live_version_while_a_copy_is_edited(live):
    draft = ruleset_version_copy(version=live)
    draft.min_score = Decimal(50)
    draft.save()
    assert live.ruleset.current_version == live
    assert live.ruleset.latest_draft == draft


def test_publishing_makes_the_draft_live_and_records_who_and_what_changed(live, admin_user):
    draft = ruleset_version_copy(version=live)
    draft.min_score = Decimal(70)
    draft.save()
    RuleConditionFactory(version=draft, group=2, path="extra.site", operator="in", value="Leeds, York")

    ruleset_version_publish(version=draft, user=admin_user)

    assert draft.ruleset.current_version == draft
    record = AuditRecord.objects.filter(to_state="published").latest("id")
    assert record.actor_user == admin_user and record.from_state == "draft"
    assert f"replaces {live}" in record.detail
    assert "Minimum score: 80% → 70%." in record.detail
    assert "Added condition (group 2): extra.site is one of (comma-separated) Leeds, York." in record.detail


def test_it_refuses_to_publish_twice_or_behind_a_newer_live_version(live):
    older_draft = ruleset_version_copy(version=live)
    newer = ruleset_version_publish(version=ruleset_version_copy(version=live))
    with pytest.raises(VersionNotPublishable, match="already published"):
        ruleset_version_publish(version=newer)
    with pytest.raises(VersionNotPublishable, match="newer and already live"):
        ruleset_version_publish(version=older_draft)
    assert live.ruleset.current_version == newer


def test_a_published_version_cannot_be_edited_in_place(live):
    live.min_score = Decimal(10)
    with pytest.raises(Exception, match="is published and cannot be changed"):
        live.save()


def test_the_admin_publishes_a_draft_and_shows_what_it_changes(admin_client, live):
    draft = ruleset_version_copy(version=live)
    draft.min_score = Decimal(65)
    draft.save()
    url = reverse("admin:courses_rulesetversion_change", args=[draft.pk])

    page = admin_client.get(url).content.decode()
    assert f"v{draft.number} is a draft" in page
    assert f"Live now: <a href=\"{reverse('admin:courses_rulesetversion_change', args=[live.pk])}\">{live}</a>" in page
    assert "Minimum score: 80% → 65%." in page

    asked = admin_client.post(reverse("admin:courses_rulesetversion_publish", args=[draft.pk])).content.decode()
    assert f"Publish {draft} with these requirements?" in asked and "Minimum score: 65%." in asked
    assert draft.ruleset.current_version == live  # asked, not published

    response = admin_client.post(reverse("admin:courses_rulesetversion_publish", args=[draft.pk]), {"confirm": "yes"}, follow=True)
    page = response.content.decode()
    assert f"Published {draft}" in page
    assert f"v{draft.number} is live" in page
    assert draft.ruleset.current_version == draft


def test_saving_a_frozen_version_shows_the_refusal_only(admin_client, live):
    url = reverse("admin:courses_rulesetversion_change", args=[live.pk])
    response = admin_client.post(url, {"ruleset": live.ruleset_id, "min_score": "10", "notes": "",
                                       "conditions-TOTAL_FORMS": "0", "conditions-INITIAL_FORMS": "0",
                                       "conditions-MIN_NUM_FORMS": "0", "conditions-MAX_NUM_FORMS": "1000"}, follow=True)
    page = response.content.decode()
    assert "cannot be changed" in page
    assert "changed successfully" not in page
    live.refresh_from_db()
    assert live.min_score == 80


def test_a_published_versions_page_reads_without_save_or_delete_and_a_drafts_has_both(admin_client, live):
    draft = ruleset_version_copy(version=live)
    published_page = admin_client.get(reverse("admin:courses_rulesetversion_change", args=[live.pk])).content.decode()
    draft_page = admin_client.get(reverse("admin:courses_rulesetversion_change", args=[draft.pk])).content.decode()
    for name in ('name="_save"', 'name="_continue"', reverse("admin:courses_rulesetversion_delete", args=[live.pk])):
        assert name not in published_page
    assert 'name="_save"' in draft_page
    assert reverse("admin:courses_rulesetversion_delete", args=[draft.pk]) in draft_page
    assert "Edit as a new version" in published_page


def test_the_ruleset_list_says_which_version_is_live_and_which_is_a_draft(admin_client, live):
    ruleset_version_copy(version=live)
    page = admin_client.get(reverse("admin:courses_ruleset_changelist")).content.decode()
    assert "v1 live · v2 draft" in page


def test_criteria_are_written_from_the_live_rules(live):
    RuleConditionFactory(version=ruleset_version_copy(version=live), description="Complete the practical assessment")
    assert ruleset_version_criteria(version=live, course_title="First Aid") == "Completed First Aid with a score of at least 80%."
    draft = live.ruleset.latest_draft
    assert ruleset_version_criteria(version=draft, course_title="First Aid") == (
        "Completed First Aid with a score of at least 80%. Complete the practical assessment."
    )


def test_staff_are_warned_when_the_narrative_contradicts_the_live_rules(admin_client, live):
    achievement = AchievementFactory(organization=live.ruleset.organization,
                                     criteria_narrative="Passed the assessment with at least 70%.")
    CourseFactory(organization=achievement.organization, achievement=achievement, ruleset=live.ruleset, title="First Aid")
    assert achievement_criteria_disagreements(achievement=achievement) == [
        "The criteria say 70%, but the live rules require 80%."
    ]
    url = reverse("admin:courses_achievement_change", args=[achievement.pk])
    assert "The criteria say 70%, but the live rules require 80%." in admin_client.get(url).content.decode()

    admin_client.post(reverse("admin:courses_achievement_criteria", args=[achievement.pk]))
    achievement.refresh_from_db()
    assert achievement.criteria_narrative == "Completed First Aid with a score of at least 80%."
    assert achievement_criteria_disagreements(achievement=achievement) == []


def test_criteria_that_follow_the_rules_are_rewritten_on_publish(live):
    achievement = AchievementFactory(organization=live.ruleset.organization, criteria_follows_rules=True,
                                     criteria_narrative="Passed with at least 80%.")
    CourseFactory(organization=achievement.organization, achievement=achievement, ruleset=live.ruleset, title="First Aid")
    draft = ruleset_version_copy(version=live)
    draft.min_score = Decimal(75)
    draft.save()
    ruleset_version_publish(version=draft)
    achievement.refresh_from_db()
    assert achievement.criteria_narrative == "Completed First Aid with a score of at least 75%."


def _draft_form(version, **values) -> dict:
    """The draft's change form as the page posts it, with `values` typed in."""
    return {"ruleset": version.ruleset_id, "min_score": "", "min_attendance": "", "notes": "",
            "conditions-TOTAL_FORMS": "0", "conditions-INITIAL_FORMS": "0",
            "conditions-MIN_NUM_FORMS": "0", "conditions-MAX_NUM_FORMS": "1000", **values}


def test_it_saves_what_the_page_shows_before_asking_to_publish_it(admin_client, db):
    """Walk-through M1: "Publish v1" published the saved draft and dropped the pass mark typed on the page."""
    ruleset = RuleSet.objects.create(organization=OrganizationFactory(), name="FAW: 100% attendance, 75% pass")
    draft = RuleSetVersion.objects.create(ruleset=ruleset)
    url = reverse("admin:courses_rulesetversion_change", args=[draft.pk])
    assert 'name="_publish"' in admin_client.get(url).content.decode()

    typed = admin_client.post(url, _draft_form(draft, min_score="75", min_attendance="100", _publish="1"), follow=True)
    page = typed.content.decode()
    assert typed.redirect_chain[-1][0] == reverse("admin:courses_rulesetversion_publish", args=[draft.pk])
    assert f"Publish {draft} with these requirements?" in page
    assert "Minimum score: 75%." in page and "Minimum attendance: 100%." in page
    ruleset.refresh_from_db()
    assert ruleset.current_version is None  # saved, not yet live

    admin_client.post(reverse("admin:courses_rulesetversion_publish", args=[draft.pk]), {"confirm": "yes"})
    live = RuleSet.objects.get(pk=ruleset.pk).current_version
    assert live == draft and live.min_score == 75 and live.min_attendance == 100


def test_it_asks_explicitly_before_publishing_no_requirements(admin_client, db):
    ruleset = RuleSet.objects.create(organization=OrganizationFactory(), name="Attendance only")
    draft = RuleSetVersion.objects.create(ruleset=ruleset)
    url = reverse("admin:courses_rulesetversion_change", args=[draft.pk])
    assert "this version has no requirements" in admin_client.get(url).content.decode()

    page = admin_client.post(url, _draft_form(draft, _publish="1"), follow=True).content.decode()
    assert f"Publish {draft} with no requirements?" in page
    assert "every completion of a course using Attendance only passes" in page
    assert "Publish with no requirements" in page
    assert RuleSet.objects.get(pk=ruleset.pk).current_version is None
