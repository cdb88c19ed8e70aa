"""Pipeline fixtures: a real SMTP server wired into Django's SMTP backend, and a demo-like catalogue."""

from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.completions import Completion
from issuance.pipeline import issuance_start
from issuance.worker import issuance_advance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.factories.issuance import organization_with_templates
from stand_ins.smtp import SmtpServer


@pytest.fixture
def smtp(settings, tmp_path):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.MEDIA_ROOT = tmp_path / "media"
    yield server
    server.stop()


@pytest.fixture
def org(db):
    return organization_with_templates(name="Harbour Academy", slug="harbour")


@pytest.fixture
def course(org):
    """First Aid, pass mark 80, a credential valid for 12 months."""
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=org, name="First Aid", validity_amount=12, validity_unit="months")
    return CourseFactory(organization=org, code="FA-1", title="First Aid", achievement=achievement, ruleset=ruleset)


def complete(course, *, email="ann@learners.example", name="Ann Lee", score=None, attendance=None, extra=None, when=None):
    completion = Completion(
        course_id=course.pk, email=email, name=name, completed_at=when or timezone.now(),
        score=None if score is None else Decimal(score), attendance=None if attendance is None else Decimal(attendance),
        extra=extra or {},
    )
    return issuance_start(completion=completion)


def drive(issuance, limit=20):
    """Run the worker in-process until the issuance stops moving; returns it fresh."""
    for _ in range(limit):
        if issuance_advance(issuance_id=issuance.pk) is None:
            break
    issuance.refresh_from_db()
    return issuance
