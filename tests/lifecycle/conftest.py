"""Lifecycle fixtures: a real SMTP server, an academy whose achievement lasts a year, and credentials on fixed dates."""

from datetime import datetime, timezone

import pytest

from tests.factories.courses import AchievementFactory, CourseFactory
from tests.factories.issuance import CredentialFactory, IssuanceFactory, LearnerFactory, organization_with_templates
from tests.pipeline.conftest import smtp  # noqa: F401 (a fixture)

# Every reminder test runs on this calendar: issued 10 January 2026, valid for a year.
ISSUED = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)
EXPIRES = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def academy(db):
    return organization_with_templates(name="Harbour Academy", slug="harbour")


@pytest.fixture
def safety_course(academy):
    achievement = AchievementFactory(organization=academy, name="Workplace Safety", validity_amount=12, validity_unit="months")
    return CourseFactory(organization=academy, code="WS-100", title="Workplace Safety Induction", achievement=achievement,
                         url="https://harbour.example/courses/ws-100",
                         renewal_url="https://harbour.example/courses/ws-100/renew")


@pytest.fixture
def hold(safety_course):
    """hold(email=…) gives a learner a credential for the safety course, issued ISSUED, ending EXPIRES."""

    def make(*, email="ann@learners.example", name="Ann Lee", course=None, issued=ISSUED, expires=EXPIRES, **fields):
        course = course or safety_course
        learner = LearnerFactory(organization=course.organization, email=email, name=name)
        issuance = IssuanceFactory(course=course, learner=learner, learner_name=name)
        return CredentialFactory(issuance=issuance, issued_at=issued, valid_from=issued, valid_until=expires, **fields)

    return make


@pytest.fixture
def first_aid(academy):
    """First Aid, no rules, valid for 12 months: the course the pipeline tests here complete."""
    achievement = AchievementFactory(organization=academy, name="First Aid at Work", validity_amount=12, validity_unit="months")
    return CourseFactory(organization=academy, code="FA-1", title="First Aid at Work", achievement=achievement,
                         url="https://harbour.example/courses/fa-1")
