import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from courses.models import CertificateTemplate, Course, EmailTemplate, Organization, RuleSet
from tests.factories.courses import AchievementFactory, CourseFactory

CATALOGUE = ["organization", "achievement", "ruleset", "rulesetversion", "certificatetemplate", "emailtemplate", "course"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    return Organization.objects.get(slug="demo-academy")


@pytest.mark.parametrize("model", CATALOGUE)
def test_every_catalogue_list_and_form_opens_for_staff(admin_client, demo, model):
    changelist = admin_client.get(reverse(f"admin:courses_{model}_changelist") + "?q=First")
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:courses_{model}_add")).status_code == 200


def test_staff_find_a_course_by_code_and_filter_by_organisation(admin_client, demo):
    other = CourseFactory(title="Forklift Safety")
    url = reverse("admin:courses_course_changelist")
    page = admin_client.get(url, {"q": "FA-201"}).content.decode()
    assert "Advanced First Aid" in page and "First Aid at Work</a>" not in page
    page = admin_client.get(url, {"organization__id__exact": other.organization_id}).content.decode()
    assert "Forklift Safety" in page and "Advanced First Aid" not in page


def test_an_organisation_added_in_the_admin_gets_the_shipped_templates(admin_client, db):
    response = admin_client.post(
        reverse("admin:courses_organization_add"),
        {
            "name": "Harbour Skills",
            "slug": "harbour-skills",
            "primary_color": "#0B4F6C",
            "accent_color": "#F2A541",
            "sender_name": "Harbour Skills",
            "sender_email": "certificates@harbour.example",
            "notification_email": "ops@harbour.example",
            "timezone": "Pacific/Auckland",
            "locale": "en-NZ",
            "language": "en",
            "date_order": "day_first",
            "issuer_id_method": "did:web",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(slug="harbour-skills")
    assert CertificateTemplate.objects.filter(organization=org).exists()
    assert set(EmailTemplate.objects.filter(organization=org).values_list("kind", flat=True)) == set(EmailTemplate.Kind.values)


def test_the_admin_refuses_a_bad_colour_timezone_and_locale(admin_client, db):
    response = admin_client.post(
        reverse("admin:courses_organization_add"),
        {"name": "X", "slug": "x", "primary_color": "blue", "accent_color": "#FFFFFF", "sender_name": "X",
         "sender_email": "a@x.example", "notification_email": "b@x.example", "timezone": "Mars/Olympus", "locale": "english"},
    )
    page = response.content.decode()
    assert "six hex digits" in page
    assert "IANA time zone" in page
    assert "is not a locale" in page
    assert not Organization.objects.filter(slug="x").exists()


def test_a_ruleset_added_in_the_admin_starts_with_a_first_version(admin_client, demo):
    response = admin_client.post(
        reverse("admin:courses_ruleset_add"), {
            "organization": demo.pk, "name": "Night shift", "description": "",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "versions-MIN_NUM_FORMS": "0", "versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    ruleset = RuleSet.objects.get(name="Night shift")
    assert ruleset.versions.get().number == 1
    assert ruleset.current_version is None  # a draft until published (issue 21)


def test_a_course_cannot_use_another_organisations_achievement(db):
    course = CourseFactory()
    course.achievement = AchievementFactory()  # a different organisation
    with pytest.raises(ValidationError, match="another organisation"):
        course.full_clean()


def test_course_codes_are_unique_within_an_organisation_only(db):
    course = CourseFactory(code="FA-101")
    CourseFactory(code="FA-101")  # another organisation: fine
    duplicate = Course(organization=course.organization, code="FA-101", title="Again", achievement=course.achievement)
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_editing_what_a_template_renders_bumps_its_version(demo):
    template = CertificateTemplate.objects.filter(organization=demo).first()
    template.name = template.name + " (renamed)"
    template.save()
    assert template.version == 1
    template.html += "<p>Signed</p>"
    template.save()
    assert template.version == 2
    assert template.history.count() == 3


def test_every_shipped_template_passes_the_sandbox_it_will_be_edited_in(demo):
    for template in [*CertificateTemplate.objects.filter(organization=demo), *EmailTemplate.objects.filter(organization=demo)]:
        template.full_clean()


def test_the_achievement_page_shows_the_badge_learners_see_and_a_styled_criteria_button(admin_client, db):
    achievement = AchievementFactory(name="Forklift <Safety>")
    page = admin_client.get(reverse("admin:courses_achievement_change", args=[achievement.pk])).content.decode()

    badge_url = reverse("ob2-badge-image", args=[achievement.pk])
    assert f'<img src="{badge_url}" alt="The badge of Forklift &lt;Safety&gt;"' in page
    assert "Drawn by Laurel from the name and the organisation" in page
    image = admin_client.get(badge_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    # The criteria button is drawn as the theme's object tool (as History is), not as grey text.
    assert 'class="cursor-pointer flex grow items-center gap-2 px-3 py-2 text-left whitespace-nowrap">' in page
    assert 'class="historylink"' not in page


def _png(colour) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (30, 10), colour), (5, 5))
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_organisation_form_has_colour_pickers_and_shows_the_logo_on_its_band(admin_client, db, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    organization = AchievementFactory().organization
    organization.primary_color = "#1F3A5F"
    organization.logo.save("logo.png", ContentFile(_png((30, 60, 100, 255))))
    organization.save()
    url = reverse("admin:courses_organization_change", args=[organization.pk])

    page = admin_client.get(url).content.decode()
    assert 'type="color" name="primary_color" value="#1F3A5F"' in page
    assert 'class="laurel-brand-band" style="background-color:#1F3A5F' in page
    # A dark blue logo on a dark blue band is the logo that vanished in the walk-through's email.
    assert "The logo may be hard to see on the primary colour" in page

    organization.logo.save("logo-white.png", ContentFile(_png((255, 255, 255, 255))))
    organization.save()
    assert "hard to see" not in admin_client.get(url).content.decode()


def test_a_superuser_is_offered_only_the_objects_organisations_choices_and_told_whose_on_an_add_form(admin_client, db):
    from tests.factories.courses import OrganizationFactory

    harbour = OrganizationFactory(name="Harbour Safety")
    northwind = OrganizationFactory(name="Northwind Training")
    course = CourseFactory(organization=harbour, achievement__name="First Aid at Work")
    AchievementFactory(organization=northwind, name="First Aid at Work")

    change = admin_client.get(reverse("admin:courses_course_change", args=[course.pk]))
    offered = [label for _, label in change.context["adminform"].form.fields["achievement"].choices if _]
    assert offered == ["First Aid at Work"]  # Northwind's look-alike is not offered on Harbour's course

    add = admin_client.get(reverse("admin:courses_course_add"))
    offered = sorted(label for _, label in add.context["adminform"].form.fields["achievement"].choices if _)
    assert offered == ["First Aid at Work — Harbour Safety", "First Aid at Work — Northwind Training"]
