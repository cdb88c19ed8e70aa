"""Programmes made and edited in the admin, scoped to the organisation, with each learner's progress on its page."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from courses.models import Programme
from tests.factories.courses import member
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive


def editor_client(client, org):
    user = get_user_model().objects.create_user("editor", "editor@harbour.example", "correct horse battery staple", is_staff=True)
    member(user, org, "editor")
    client.force_login(user)
    return client


def add_form(org, courses, **overrides):
    data = {
        "organization": org.pk, "code": "WSO", "name": "Workplace Safety Officer", "required_count": "",
        "within_days": "", "on_constituent_revoked": "suspend",
        "constituents-TOTAL_FORMS": "3", "constituents-INITIAL_FORMS": "0",
        "constituents-MIN_NUM_FORMS": "1", "constituents-MAX_NUM_FORMS": "1000",
    }
    for n, code in enumerate(["FA-101", "FS-101", "MH-101"]):
        data |= {f"constituents-{n}-achievement": courses[code].achievement_id, f"constituents-{n}-position": n}
    return data | overrides


def test_it_makes_a_programme_in_the_admin_with_its_own_course_and_achievement(client, org, courses):
    response = editor_client(client, org).post(reverse("admin:courses_programme_add"), add_form(org, courses))

    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get(code="WSO")
    assert programme.course.code == "WSO" and programme.achievement.name == "Workplace Safety Officer"
    assert programme.constituents.count() == 3 and programme.on_constituent_revoked == "suspend"


def test_it_refuses_a_code_an_existing_course_has(client, org, courses):
    response = editor_client(client, org).post(reverse("admin:courses_programme_add"), add_form(org, courses, code="FA-101"))

    assert response.status_code == 200
    assert "harbour already has a course or programme with the code FA-101." in response.content.decode()
    assert not Programme.objects.exists()


def test_it_shows_staff_each_learners_progress_on_the_programme_page(smtp, client, org, courses, make_programme):
    programme = make_programme()
    drive(complete(courses["FA-101"], email="ann@learners.example"))
    drive(complete(courses["FA-101"], email="bo@learners.example", name="Bo <b>Chen</b>"))
    drive(complete(courses["MH-101"], email="bo@learners.example", name="Bo <b>Chen</b>"))

    page = editor_client(client, org).get(reverse("admin:courses_programme_change", args=[programme.pk])).content.decode()

    assert "<td>ann@learners.example</td><td>1 of 3 done: Fire Safety, Manual Handling remain.</td>" in page
    assert "<td>bo@learners.example</td><td>2 of 3 done: Fire Safety remains.</td><td>in progress</td>" in page


def test_it_hides_another_organisations_programme(client, org, courses, make_programme):
    programme = make_programme()
    other = organization_with_templates(name="Elsewhere", slug="elsewhere")
    response = editor_client(client, other).get(reverse("admin:courses_programme_change", args=[programme.pk]))
    assert response.status_code in (302, 404)
    listing = client.get(reverse("admin:courses_programme_changelist")).content.decode()
    assert "Workplace Safety Officer" not in listing


def test_it_counts_learners_who_satisfied_it_before_it_existed(smtp, client, org, courses, make_programme):
    for code in ("FA-101", "FS-101", "MH-101"):
        drive(complete(courses[code], email="ann@learners.example"))
    programme = make_programme()  # made afterwards: nothing awarded it yet

    page = editor_client(client, org).get(reverse("admin:courses_programme_change", args=[programme.pk])).content.decode()

    assert "<td>ann@learners.example</td><td>3 of 3 done.</td><td>satisfies it, not awarded yet</td>" in page
    assert "1 learner(s) listed already satisfy it without an award" in page
