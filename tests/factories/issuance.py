"""Factories for learners, issuances and credentials, on top of the catalogue's factories."""

from datetime import timedelta

import factory
from django.utils import timezone

from courses.defaults import organization_install_default_templates
from issuance.models import Credential, Issuance, Learner
from tests.factories import CourseFactory, OrganizationFactory


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"learner{n}@learners.example")
    name = factory.Sequence(lambda n: f"Learner {n}")


class IssuanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuance

    course = factory.SubFactory(CourseFactory)
    organization = factory.SelfAttribute("course.organization")
    achievement = factory.SelfAttribute("course.achievement")
    learner = factory.SubFactory(LearnerFactory, organization=factory.SelfAttribute("..organization"))
    learner_name = factory.SelfAttribute("learner.name")
    completion = factory.LazyAttribute(
        lambda o: {"course_id": o.course.pk, "email": o.learner.email, "name": o.learner.name,
                   "completed_at": timezone.now().isoformat(), "score": None, "attendance": None, "extra": {}}
    )
    state = Issuance.State.SYNCED


class CredentialFactory(factory.django.DjangoModelFactory):
    """A credential the learner already holds, issued a year ago unless told otherwise."""

    class Meta:
        model = Credential

    issuance = factory.SubFactory(IssuanceFactory)
    learner = factory.SelfAttribute("issuance.learner")
    achievement = factory.SelfAttribute("issuance.achievement")
    issued_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))
    valid_from = factory.SelfAttribute("issued_at")
    valid_until = None


def organization_with_templates(**kwargs):
    organization = OrganizationFactory(**kwargs)
    organization_install_default_templates(organization=organization)
    return organization
