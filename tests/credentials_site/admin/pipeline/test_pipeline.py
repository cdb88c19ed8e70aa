from issuance.models import Issuance
from tests.pipeline.conftest import complete, course, drive  # noqa: F401 (course is a fixture)

CHANGELIST = "/admin/issuance/issuance/"


def test_it_lists_issuances_with_filters_and_search_by_learner(admin_client, smtp, course):
    drive(complete(course, email="ann@learners.example", name="Ann Lee", score=92))
    drive(complete(course, email="bob@learners.example", name="Bob Roe", score=10))

    page = admin_client.get(CHANGELIST, {"q": "bob@"}).content.decode()
    assert "Bob Roe" in page and "Ann Lee" not in page
    page = admin_client.get(CHANGELIST, {"state__exact": "synced"}).content.decode()
    assert "Ann Lee" in page and "Bob Roe" not in page
    page = admin_client.get(CHANGELIST, {"course__id__exact": course.pk, "organization__id__exact": course.organization_id}).content.decode()
    assert "Ann Lee" in page and "Bob Roe" in page


def test_it_shows_an_issuances_whole_timeline_on_its_page(admin_client, smtp, course):
    issuance = drive(complete(course, score=92))
    page = admin_client.get(f"{CHANGELIST}{issuance.pk}/change/").content.decode()
    for detail in ("Completion of FA-1", "Eligible under", "Certificate rendered from", "Open Badges 3.0 credential signed with",
                   "Emailed ann@learners.example", "No integrations configured"):
        assert detail in page
    assert "credential_email" in page  # the outside effect with its outcome


def test_it_resumes_selected_parked_issuances_and_says_how_many(admin_client, smtp, course):
    parked = complete(course, score=92)
    Issuance.objects.filter(pk=parked.pk).update(state=Issuance.State.PARKED, failed_step="render", error="boom")
    running = complete(course, email="bob@learners.example", score=92)

    response = admin_client.post(CHANGELIST, {"action": "resume_selected", "_selected_action": [parked.pk, running.pk]}, follow=True)
    page = response.content.decode()
    assert "Resumed 1 issuance." in page and "Skipped 1" in page
    parked.refresh_from_db()
    assert parked.state == Issuance.State.ELIGIBLE


def test_it_does_not_let_staff_add_edit_or_delete_issuances_by_hand(admin_client, smtp, course):
    issuance = complete(course, score=92)
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{issuance.pk}/delete/", {"post": "yes"}).status_code == 403
