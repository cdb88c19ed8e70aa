"""Intake fixtures: a source with a course, a sender that signs like a real one, and the task queue."""

import json
import time
from datetime import datetime, timezone
from pydoc import locate

import pytest
import requests
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from standardwebhooks import Webhook

from tests.factories import DEMO_SECRET, CourseFactory, OrganizationFactory, SourceFactory

INTAKE_TASK_PREFIX = "issuance.intake."


def generic_event(**overrides) -> dict:
    data = {
        "learner": {"id": "u-123", "email": "Ana@Example.org", "name": "Ana Lima"},
        "course": {"id": "FA-101", "title": "First Aid at Work"},
        "completed_at": "2026-01-05T09:58:00Z",
        "score": 86,
        "attendance": 100,
        "extra": {"department": "nursing"},
    }
    data.update(overrides)
    return {"type": "course.completed", "timestamp": "2026-01-05T10:00:00Z", "data": data}


class Sender:
    """Signs and posts the way a Standard Webhooks sender does, using the reference library."""

    def __init__(self, base_url: str, source, secret: str = DEMO_SECRET):
        self.base_url = base_url
        self.source = source
        self.secret = secret
        self.session = requests.Session()

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/v1/sources/{self.source.slug}/events"

    def signed_headers(self, body: str, *, message_id: str, timestamp: int | None = None, secrets=None) -> dict:
        timestamp = int(time.time()) if timestamp is None else timestamp
        moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
        signatures = " ".join(Webhook(s).sign(message_id, moment, body) for s in (secrets or [self.secret]))
        return {
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures,
            "content-type": "application/json",
        }

    def post(self, payload, *, message_id: str = "msg_1", raw: str | None = None, headers=None, **sign_options):
        body = raw if raw is not None else json.dumps(payload)
        all_headers = self.signed_headers(body, message_id=message_id, **sign_options)
        all_headers.update(headers or {})
        return self.session.post(self.url, data=body.encode("utf-8"), headers=all_headers, timeout=30)


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Demo Academy", slug="demo-academy")


@pytest.fixture
def course(organization):
    return CourseFactory(organization=organization, code="FA-101", title="First Aid at Work")


@pytest.fixture
def source(organization, course):
    return SourceFactory(organization=organization)


@pytest.fixture
def sender(live_server, source):
    return Sender(live_server.url, source)


@pytest.fixture
def task_queue(db):
    """The real broker (ORM or Redis); `run()` executes what intake queued, like a worker would."""
    broker = get_broker()
    broker.purge_queue()  # leftovers of an earlier run point at events that no longer exist

    class Queue:
        def __init__(self):
            self.ran: list[str] = []

        def run(self) -> int:
            ran = 0
            while broker.queue_size():
                for ack_id, payload in broker.dequeue() or []:
                    task = SignedPackage.loads(payload)
                    func = task["func"]
                    name = func if isinstance(func, str) else f"{func.__module__}.{func.__name__}"
                    # The steps after intake belong to the pipeline; here we only run intake's own work.
                    if name.startswith(INTAKE_TASK_PREFIX):
                        locate(name)(*task["args"], **task["kwargs"])
                        ran += 1
                    self.ran.append(name)
                    if ack_id is not None:
                        broker.acknowledge(ack_id)
            return ran

    return Queue()
