"""LMS fixtures: a catalogue that issues, a real SMTP server, and sources set up the way staff would."""

import pytest

from issuance.models import CompletionEvent
from issuance.sources.configure import source_configure
from tests.factories.courses import AchievementFactory, CourseFactory
from tests.intake.conftest import task_queue  # noqa: F401  (the real broker, run like a worker)
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import smtp  # noqa: F401  (a real SMTP server on 127.0.0.1)


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    """The LMS stand-ins listen on 127.0.0.1, which the outgoing-request guard refuses unless allowed."""
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def org(db):
    return organization_with_templates(name="Harbour Academy", slug="harbour")


@pytest.fixture
def course(org):
    achievement = AchievementFactory(organization=org, name="Safety at Work")
    return CourseFactory(organization=org, code="SAF-101", title="Safety 101", achievement=achievement)


@pytest.fixture
def make_source(org, course):
    def make(dialect: str, *, secret=None, settings=None, mappings=None, slug=None):
        source, _ = source_configure(
            organization_slug=org.slug, slug=slug or f"{dialect}-lms", dialect=dialect, secret=secret,
            settings=settings or {}, mappings=mappings or {},
        )
        return source

    return make


def event_outcome(task_queue, event_id):
    """Run the worker's intake (which carries a webhook's issuance on in the same task) and reload."""
    task_queue.run()
    return CompletionEvent.objects.get(pk=event_id)


def assert_delivered(event, smtp, address: str):
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    issuance = event.issuances.get()
    assert issuance.state in ("delivered", "synced"), (issuance.state, issuance.error)
    [message] = smtp.to(address)
    assert "Safety at Work" in message["Subject"] or "Safety 101" in message["Subject"]
    return issuance


@pytest.fixture
def worker(task_queue, monkeypatch):
    """The task queue run as a whole worker would: intake and every pipeline step after it."""
    monkeypatch.setattr("tests.intake.conftest.INTAKE_TASK_PREFIX", "issuance.")
    return task_queue


@pytest.fixture
def private_targets(settings):
    """The polled test servers listen on 127.0.0.1 over http, which only this setting allows."""
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
