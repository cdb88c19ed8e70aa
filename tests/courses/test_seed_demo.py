from django.core.management import call_command

from courses.models import (Achievement, AchievementText, Course, EmailTemplateVariant, Organization, Programme, RuleSet,
                            RuleSetVersion)


def _counts():
    return {model.__name__: model.objects.count() for model in (Organization, Course, Achievement, RuleSet, RuleSetVersion)}


def test_it_creates_demo_academy_with_its_three_courses(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    org = Organization.objects.get(slug="demo-academy")
    assert org.name == "Demo Academy"
    courses = {c.code: c for c in Course.objects.filter(organization=org)}
    assert courses["FA-101"].title == "First Aid at Work"
    assert courses["FA-101"].ruleset.current_version.min_score == 80
    fa201 = courses["FA-201"].ruleset.current_version
    assert fa201.min_attendance == 90
    assert list(fa201.prerequisites.all()) == [courses["FA-101"].achievement]
    assert courses["WS-100"].ruleset is None
    assert courses["WS-100"].achievement.validity_label == "12 months"


def test_it_changes_nothing_when_run_twice(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    before = _counts()
    call_command("seed_demo", admin_password="pw-for-tests")
    assert _counts() == before


def test_it_adds_a_programme_over_the_three_demo_courses(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    programme = Programme.objects.get(organization__slug="demo-academy", code="SWP")
    assert programme.name == "Safe Workplace Practitioner" and programme.required_count is None
    assert [c.achievement.name for c in programme.constituents.all()] == [
        "First Aid at Work", "Advanced First Aid", "Workplace Safety Induction"]


def test_it_seeds_french_text_for_fa101_and_ws100_and_a_french_credential_email(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    call_command("seed_demo", admin_password="pw-for-tests")

    texts = AchievementText.objects.filter(achievement__organization__slug="demo-academy").order_by("name")
    assert [(t.achievement.courses.get().code, t.language, t.name) for t in texts] == [
        ("WS-100", "fr", "Accueil sécurité au travail"), ("FA-101", "fr", "Secourisme au travail")]
    [variant] = EmailTemplateVariant.objects.filter(template__organization__slug="demo-academy")
    assert variant.language == "fr" and variant.template.kind == "credential"
    assert "{{ achievement_name }}" in variant.subject
