"""What staff read: the API's counts per credential, the dashboard's and a course's rates (each organisation its own),
and the audit export's rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from credentials_site.admin.dashboard import dashboard_build
from tests.factories.courses import StaffUserFactory, member

from .conftest import counts


@pytest.fixture
def other_course(db):
    """Another organisation's course, its own catalogue, issued by the same pipeline."""
    from courses.models import RuleSetVersion
    from courses.services import ruleset_version_publish
    from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
    from tests.factories.issuance import organization_with_templates

    other = organization_with_templates(name="Northwind Safety", slug="northwind")
    ruleset = RuleSetFactory(organization=other, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(50)))
    achievement = AchievementFactory(organization=other, name="Fire Warden")
    return CourseFactory(organization=other, code="FW-1", title="Fire Warden", achievement=achievement, ruleset=ruleset)


def _viewer(organization, name: str):
    user = StaffUserFactory(username=name, email=f"{name}@example.org", is_superuser=False)
    member(user, organization, "viewer")
    return user


def test_the_api_carries_each_count_of_a_credential(person, issue):
    credential = issue()
    person.get(f"/credentials/{credential.pk}")
    person.get(f"/credentials/{credential.pk}/linkedin")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=_viewer(credential.issuance.organization, 'reader'))[1]}")

    answer = api.get(f"/api/v1/credentials/{credential.pk}")

    assert answer.status_code == 200
    assert answer.json()["engagement"] == {"views": 1, "downloads": 0, "linkedin_clicks": 1, "wallet_claims": 0,
                                           "verifications": 0}


def test_the_api_says_zero_for_a_credential_never_counted(issue, admin_user):
    credential = issue()
    api = APIClient()
    api.force_authenticate(admin_user)

    assert api.get(f"/api/v1/credentials/{credential.pk}").json()["engagement"] == counts(credential) == {
        "views": 0, "downloads": 0, "linkedin_clicks": 0, "wallet_claims": 0, "verifications": 0}


def test_each_organisations_dashboard_shows_only_its_own_credentials_rates(person, issue, first_aid, other_course):
    ours = [issue(email=f"learner{n}@learners.example", name=f"Learner {n}") for n in range(4)]
    theirs = issue(email="zed@learners.example", name="Zed", course=other_course)
    for credential in ours[:2]:
        person.get(f"/credentials/{credential.pk}")
    person.get(f"/credentials/{ours[0].pk}/linkedin")
    person.get(f"/credentials/{ours[3].pk}.pdf")
    for _ in range(3):
        person.get(f"/credentials/{theirs.pk}")
        person.get(f"/credentials/{theirs.pk}/linkedin")

    mine = dashboard_build(user=_viewer(first_aid.organization, "ours")).engagement
    other = dashboard_build(user=_viewer(other_course.organization, "theirs")).engagement

    assert mine["issued"] == 4
    assert {rate["key"]: (rate["count"], rate["share"]) for rate in mine["rates"]} == {
        "viewed": (2, 0.5), "downloaded": (1, 0.25), "linkedin": (1, 0.25), "wallet": (0, 0.0)}
    assert mine["totals"] == {"views": 2, "downloads": 1, "linkedin_clicks": 1, "wallet_claims": 0, "verifications": 0}
    assert other["issued"] == 1 and other["totals"]["views"] == 3 and other["totals"]["linkedin_clicks"] == 3
    assert {rate["key"]: rate["share"] for rate in other["rates"]}["linkedin"] == 1.0


def test_the_dashboard_and_the_course_page_show_the_rates(person, issue, first_aid, client):
    credentials = [issue(email=f"learner{n}@learners.example", name=f"Learner {n}") for n in range(2)]
    person.get(f"/credentials/{credentials[0].pk}")
    person.get(f"/credentials/{credentials[0].pk}/linkedin")
    staff = APIClient()  # a fresh client: the person's visits were not signed in
    staff.force_login(_viewer(first_aid.organization, "reader"))

    page = staff.get("/admin/").content.decode()
    course_page = staff.get(f"/admin/courses/course/{first_aid.pk}/change/").content.decode()

    assert "After sending: the 2 credentials issued in the last 30 days" in page
    for html in (page, course_page):
        assert '<tr data-rate-row="viewed"><td>Viewed</td><td>1 / 2</td><td>50 %</td></tr>' in html
        assert '<tr data-rate-row="linkedin"><td>Added to LinkedIn</td><td>1 / 2</td><td>50 %</td></tr>' in html
        assert '<tr data-rate-row="downloaded"><td>Downloaded</td><td>0 / 2</td><td>0 %</td></tr>' in html
        assert "<title>Viewed: 1 of 2 credentials issued</title>" in html
        assert "In all: 1 page views, 0 PDF downloads, 1 LinkedIn clicks, 0 wallet claims, 0 verifications." in html
        assert "<script src=\"http" not in html  # the chart is inline SVG: nothing from another site


def test_the_audit_export_carries_each_counted_credential(person, issue, admin_user):
    credential = issue()
    person.get(f"/credentials/{credential.pk}")
    person.get(f"/credentials/{credential.pk}.pdf")
    staff = Client()
    staff.force_login(admin_user)

    response = staff.get("/admin/audit/auditrecord/export/")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    (row,) = [row for row in rows if row["to_state"] == "engagement"]
    assert row["issuance"] == str(credential.issuance_id) and row["course"] == "FA-1"
    assert row["detail"].startswith(f"Credential {credential.pk}: 1 views, 1 downloads, 0 LinkedIn clicks, 0 wallet claims, "
                                    "0 verifications (counted since ")
