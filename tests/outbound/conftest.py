"""Outbound tests: a credential to send, and the guard opened to the 127.0.0.1 servers (as tests must)."""

from decimal import Decimal

import pytest

from issuance.outbound.connections import connection_add
from tests.factories.issuance import CredentialFactory, IssuanceFactory, LearnerFactory
from tests.factories.courses import CourseFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 2


@pytest.fixture
def organization(db):
    return OrganizationFactory(slug="academy", name="Academy")


@pytest.fixture
def course(organization):
    return CourseFactory(organization=organization, code="SAFE-101", title="Safety 101")


@pytest.fixture
def credential(course):
    learner = LearnerFactory(organization=course.organization, email="ana@learners.example", name="Ana Maria Lima")
    issuance = IssuanceFactory(course=course, learner=learner, learner_name="Ana Maria Lima")
    issuance.completion = {**issuance.completion, "score": str(Decimal("86"))}
    issuance.save(update_fields=["completion"])
    return CredentialFactory(issuance=issuance)


@pytest.fixture
def connect(organization):
    def make(kind, *, secret, map_to=None, **settings):
        connection, _ = connection_add(organization=organization, kind=kind, secret=secret, settings=settings,
                                       mappings={"SAFE-101": map_to} if map_to else None)
        return connection
    return make
