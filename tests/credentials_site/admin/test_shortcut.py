"""`/admin/r/<content type>/<id>/` (the admin's "view on site") tells nobody whether another organisation's row exists."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from courses.models import Course
from issuance.models import Credential
from tests.factories.courses import CourseFactory, OrganizationFactory, member
from tests.factories.issuance import CredentialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_of_a(client):
    mine = OrganizationFactory(slug="org-a")
    user = get_user_model().objects.create_user("owner-a", "a@example.org", "pw", is_staff=True)
    member(user, mine, "owner")
    client.force_login(user)
    return client, mine


def _ct(model) -> int:
    return ContentType.objects.get_for_model(model).pk


def test_missing_and_other_organisations_objects_answer_the_same_404(staff_of_a):
    client, mine = staff_of_a
    theirs = CredentialFactory(issuance__course=CourseFactory(organization=OrganizationFactory(slug="org-b")))
    course_b = CourseFactory(organization=theirs.issuance.organization)
    answers = [
        client.get(f"/admin/r/{_ct(Credential)}/{theirs.pk}/"),  # another organisation's, UUID key
        client.get(f"/admin/r/{_ct(Credential)}/{uuid.uuid4()}/"),  # missing, UUID key
        client.get(f"/admin/r/{_ct(Credential)}/not-a-uuid/"),  # not a UUID for a UUID key
        client.get(f"/admin/r/{_ct(Course)}/{course_b.pk}/"),  # another organisation's, integer key
        client.get(f"/admin/r/{_ct(Course)}/99999999/"),  # missing, integer key
        client.get(f"/admin/r/{_ct(Course)}/99999999999999999999999/"),  # past any integer column
        client.get(f"/admin/r/{_ct(Course)}/x/"),
        client.get("/admin/r/99999999999999999999/1/"),  # no such content type, past any integer column
        client.get("/admin/r/999999/1/"),
    ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert len({answer.content for answer in answers}) == 1  # nothing tells one case from another


def test_ones_own_object_without_a_public_page_is_the_same_404(staff_of_a):
    client, mine = staff_of_a
    course = CourseFactory(organization=mine)
    own = client.get(f"/admin/r/{_ct(Course)}/{course.pk}/")
    missing = client.get(f"/admin/r/{_ct(Course)}/99999999/")
    assert own.status_code == missing.status_code == 404 and own.content == missing.content
