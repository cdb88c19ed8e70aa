"""Set up a course, page by page through the admin: drafts until the last step, scoped by organisation and role."""

import html
import re

import pytest
from django.contrib.auth.models import User

from courses.models import Achievement, Course, CourseSetup, RuleSetVersion
from courses.setup import course_setup_go_live
from issuance.models import HandIssue
from tests.factories.courses import AchievementFactory, CourseFactory, member
from tests.factories.issuance import SourceFactory, organization_with_templates
from tests.pipeline.conftest import smtp  # noqa: F401  (a fixture)

BASE = "/admin/courses/course/setup"
COURSE = {"title": "First Aid at Work", "code": "FA-101", "description": "Emergency first aid.", "min_score": "80"}


@pytest.fixture
def harbour(db):
    return organization_with_templates(name="Harbour Safety", slug="harbour")


def signed_in(client, organization, role):
    user = User.objects.create_user(f"{role}@harbour.example", f"{role}@harbour.example", "pw", is_staff=True)
    member(user, organization, role)
    client.force_login(user)
    return client


def through_look(client, organization) -> CourseSetup:
    response = client.post(f"{BASE}/new/", {**COURSE, "organization": organization.pk})
    setup = CourseSetup.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}/{setup.pk}/look/"
    page = client.get(f"{BASE}/{setup.pk}/look/").content.decode()
    design = re.search(r'name="design" value="(\d+)"', page).group(1)
    email = re.search(r'<option value="(\d+)" selected', page).group(1)
    client.post(f"{BASE}/{setup.pk}/look/", {"design": design, "email_template": email,
                                            "primary_color": "#0B6E4F", "accent_color": "#B8893B"})
    return setup


def test_it_keeps_the_course_inactive_and_its_rules_a_draft_until_the_last_step(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    course = Course.objects.get()
    assert not course.is_active and course.ruleset.current_version is None
    assert course.ruleset.latest_draft.min_score == 80 and course.certificate_template.name == "FA-101 certificate"
    assert course.achievement.criteria_follows_rules
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": "files"})
    assert CourseSetup.objects.get().step == CourseSetup.Step.LIVE
    assert not Course.objects.get().is_active


def test_it_previews_the_default_email_on_the_certificate_page(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    page = client.get(f"{BASE}/{setup.pk}/look/").content.decode()
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert "First Aid at Work" in srcdoc and "<html" in srcdoc


def test_the_email_preview_follows_unsaved_colours_and_stays_in_the_organisation(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    email = harbour.email_templates.get(kind="credential")
    answer = client.get(f"{BASE}/{setup.pk}/look/email/", {"email_template": email.pk, "primary_color": "#123456"}).json()
    assert "#123456" in answer["html"].lower() and "First Aid at Work" in answer["subject"]
    harbour.refresh_from_db()
    assert harbour.primary_color.lower() == "#0b6e4f"  # nothing saved
    elsewhere = organization_with_templates(name="Other", slug="other").email_templates.get(kind="credential")
    assert client.get(f"{BASE}/{setup.pk}/look/email/", {"email_template": elsewhere.pk}).status_code == 404


def test_it_asks_before_a_course_with_no_requirements(client, harbour):
    signed_in(client, harbour, "editor")
    response = client.post(f"{BASE}/new/", {**COURSE, "min_score": "", "organization": harbour.pk})
    assert response.status_code == 200 and "or tick this box" in response.content.decode()
    assert not Course.objects.exists()


def test_it_reports_a_code_already_taken_on_the_field(client, harbour):
    through_look(signed_in(client, harbour, "owner"), harbour)
    response = client.post(f"{BASE}/new/", {**COURSE, "title": "First Aid again", "organization": harbour.pk})
    assert response.status_code == 200 and Course.objects.count() == 1
    assert "already exists" in response.content.decode()


def test_a_role_that_cannot_add_courses_reaches_no_set_up(client, harbour):
    other = CourseSetup.objects.create(organization=harbour)
    signed_in(client, harbour, "operator")
    assert client.get(f"{BASE}/{other.pk}/course/").status_code == 404
    assert client.get(f"{BASE}/new/").status_code == 403


def test_another_organisations_design_is_not_previewed(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    elsewhere = organization_with_templates(name="Other", slug="other").certificate_templates.first()
    assert client.get(f"{BASE}/{setup.pk}/look/preview.png", {"design": elsewhere.pk}).status_code == 404
    response = client.get(f"{BASE}/{setup.pk}/look/preview.png", {"primary_color": "#123456"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_a_mapped_source_needs_the_course_id_it_sends(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    source = SourceFactory(organization=harbour, name="Moodle", course_matching="mapping")
    response = client.post(f"{BASE}/{setup.pk}/completions/", {"source": str(source.pk)})
    assert "give the id it sends for this course" in response.content.decode()
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": str(source.pk), "external_id": "42"})
    assert source.course_mappings.get().course == Course.objects.get()


def test_it_never_takes_another_courses_mapping(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    source = SourceFactory(organization=harbour, name="Moodle", course_matching="mapping")
    earlier = CourseFactory(organization=harbour, code="OLD-1", title="Older course", achievement=AchievementFactory(organization=harbour))
    source.course_mappings.create(external_id="42", course=earlier)
    response = client.post(f"{BASE}/{setup.pk}/completions/", {"source": str(source.pk), "external_id": "42"})
    assert "already sends “42” for OLD-1" in response.content.decode()
    assert source.course_mappings.get().course == earlier and CourseSetup.objects.get().step == CourseSetup.Step.SOURCE


def test_the_courses_list_and_the_dashboard_offer_it_to_those_who_may_add_courses(client, harbour):
    signed_in(client, harbour, "editor")
    assert "Set up a course" in client.get("/admin/courses/course/").content.decode()
    assert "Set up a course" in client.get("/admin/").content.decode()
    client.logout()
    signed_in(client, harbour, "viewer")
    assert "Set up a course" not in client.get("/admin/courses/course/").content.decode()
    assert "Set up a course" not in client.get("/admin/").content.decode()


def test_a_set_up_already_live_sends_no_second_test(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": "files"})
    assert course_setup_go_live(setup=setup, user=User.objects.get()) is True
    client.post(f"{BASE}/{setup.pk}/live/")  # the page was still open in another tab
    assert not HandIssue.objects.exists() and CourseSetup.objects.get().test_event_id is None


def test_a_live_course_is_not_changed_through_its_set_up_again(client, harbour):
    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": "files"})
    course_setup_go_live(setup=setup, user=User.objects.get())
    response = client.post(f"{BASE}/{setup.pk}/course/", {**COURSE, "min_score": "10", "organization": harbour.pk})
    assert response.status_code == 302 and response["Location"] == f"{BASE}/{setup.pk}/live/"
    assert RuleSetVersion.objects.get().min_score == 80  # v1 as published, and no stray draft


def test_going_live_publishes_v1_and_sends_one_test_to_the_staff_member(client, harbour, smtp):  # noqa: F811
    setup = through_look(signed_in(client, harbour, "editor"), harbour)
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": "files"})
    client.post(f"{BASE}/{setup.pk}/live/")
    client.post(f"{BASE}/{setup.pk}/live/")  # twice (a double click): one go-live, one test
    course = Course.objects.get()
    assert course.is_active and list(RuleSetVersion.objects.filter(published_at__isnull=False).values_list("number", flat=True)) == [1]
    setup.refresh_from_db()
    assert setup.live_at is not None and setup.test_event_id is not None
    assert course.ruleset.versions.count() == 1 and Achievement.objects.count() == 1
    assert list(HandIssue.objects.values_list("email", flat=True)) == ["editor@harbour.example"]


def test_a_test_send_that_fails_leaves_nothing_live_and_the_next_press_goes_live(client, harbour, smtp):  # noqa: F811
    """Going live and storing the test send are one transaction: the database refusing the test's row
    (a fault at the database, not in Laurel) undoes the publish, the course's activation and the audit."""
    from django.db import OperationalError, connection

    from audit.models import AuditRecord

    def refuse_the_test(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and HandIssue._meta.db_table in sql:
            raise OperationalError("the database went away while storing the test")
        return execute(sql, params, many, context)

    setup = through_look(signed_in(client, harbour, "owner"), harbour)
    client.post(f"{BASE}/{setup.pk}/completions/", {"source": "files"})
    with connection.execute_wrapper(refuse_the_test):
        response = client.post(f"{BASE}/{setup.pk}/live/", follow=True)
    assert response.status_code == 200  # a page that says what happened, not an error page
    assert "nothing went live" in response.content.decode()
    setup.refresh_from_db()
    assert setup.live_at is None and setup.test_event_id is None and not Course.objects.get().is_active
    assert not RuleSetVersion.objects.filter(published_at__isnull=False).exists() and not HandIssue.objects.exists()
    assert not AuditRecord.objects.filter(to_state="live").exists()

    client.post(f"{BASE}/{setup.pk}/live/")  # the fault gone, pressed again: live, with its test
    setup.refresh_from_db()
    assert setup.live_at is not None and setup.test_event_id is not None and Course.objects.get().is_active


def test_the_courses_own_certificate_keeps_the_designs_versions_in_other_languages(client, harbour):
    from courses.models import CertificateTemplate, CertificateTemplateVariant

    for design in CertificateTemplate.objects.filter(organization=harbour):
        CertificateTemplateVariant.objects.create(template=design, language="fr", html="<h1>Attestation</h1>{{ learner_name }}")

    setup = through_look(signed_in(client, harbour, "owner"), harbour)

    own = Course.objects.get(pk=setup.course_id).certificate_template
    assert own.name == "FA-101 certificate"
    assert [(v.language, v.html) for v in own.variants.all()] == [("fr", "<h1>Attestation</h1>{{ learner_name }}")]
