"""The copy settings staff type: fixed addresses checked one by one, and where a course reads its settings."""

import pytest
from django.core.exceptions import ValidationError

from courses.models.copies import copy_addresses_parse, validate_copy_addresses
from tests.factories.courses import CourseFactory, OrganizationFactory


def test_it_reads_fixed_addresses_one_per_line_or_separated_by_commas_once_each():
    assert copy_addresses_parse("hr@harbour.example\n coordinator@harbour.example; HR@harbour.example,,\n") == [
        "hr@harbour.example", "coordinator@harbour.example"]


def test_it_names_each_fixed_address_that_is_not_one():
    with pytest.raises(ValidationError) as caught:
        validate_copy_addresses("hr@harbour.example, the coordinator, x@")
    assert caught.value.messages == ["Not an email address: 'the coordinator', 'x@'."]


def test_it_refuses_more_than_ten_fixed_addresses():
    with pytest.raises(ValidationError, match="At most 10 fixed addresses; 11 were given."):
        validate_copy_addresses("\n".join(f"p{n}@harbour.example" for n in range(11)))


@pytest.mark.django_db
def test_a_course_reads_the_organisations_copy_settings_until_it_has_its_own(admin_client):
    organization = OrganizationFactory(copy_manager=True)
    course = CourseFactory(organization=organization, copy_to="hr@harbour.example")
    assert course.copies_from == organization
    course.copies_own = True
    assert course.copies_from == course and course.copy_addresses == ["hr@harbour.example"]

    page = admin_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    assert "Copies to others" in page and "Own copy settings" in page and "Copy email template" in page
    page = admin_client.get(f"/admin/courses/organization/{organization.pk}/change/").content.decode()
    assert "Copy the learner&#x27;s manager" in page or "Copy the learner's manager" in page
