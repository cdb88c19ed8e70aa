"""Factories for the catalogue (organisations, courses, rules, achievements) and staff: realistic rows with as little typing as possible."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from courses.models import Achievement, Course, Organization, RuleCondition, RuleSet, RuleSetVersion


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Academy {n}")
    slug = factory.Sequence(lambda n: f"academy-{n}")
    sender_name = factory.SelfAttribute("name")
    sender_email = factory.LazyAttribute(lambda o: f"certificates@{o.slug}.example")
    notification_email = factory.LazyAttribute(lambda o: f"staff@{o.slug}.example")


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Achievement {n}")
    description = "Recognises a skill."
    criteria_narrative = "Completed the course."


class RuleSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleSet

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Rules {n}")


class RuleSetVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleSetVersion

    ruleset = factory.SubFactory(RuleSetFactory)
    min_score = Decimal(80)


class RuleConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleCondition

    version = factory.SubFactory(RuleSetVersionFactory)
    path = "extra.department"
    operator = RuleCondition.Operator.EQUALS
    value = "nursing"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"C-{n:03d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    achievement = factory.SubFactory(AchievementFactory, organization=factory.SelfAttribute("..organization"))


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = "staff"
    email = "staff@example.org"
    is_staff = True
    is_superuser = True
    password = factory.django.Password("correct horse battery staple")


def member(user, organization, role: str):
    """`user` in `organization` with `role` (owner, editor, operator, viewer, facilitator)."""
    from courses.models import Membership

    membership, _ = Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": role})
    return membership
