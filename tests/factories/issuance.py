"""Factories for the pipeline's rows (sources, learners, issuances, credentials), on top of the catalogue's factories."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from courses.defaults import organization_install_default_templates
from issuance.models import Credential, Issuance, Learner
from tests.factories.courses import CourseFactory, OrganizationFactory


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


# --- Intake -------------------------------------------------------------------------------------

DEMO_SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issuance.Source"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"LMS {n}")
    # Unique per run as well as per test: the rate-limit counters live in a cache shared across runs.
    slug = factory.LazyFunction(lambda: f"lms-{uuid.uuid4().hex[:10]}")
    signing_secret = DEMO_SECRET


class SourceCourseMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issuance.SourceCourseMapping"

    source = factory.SubFactory(SourceFactory)
    external_id = factory.Sequence(lambda n: f"lms-course-{n}")
    course = factory.SubFactory(CourseFactory, organization=factory.SelfAttribute("..source.organization"))
