"""Intake fixtures: a source with a course, a sender that signs like a real one, and the task queue."""

import json
import time
from datetime import datetime, timezone
from pydoc import locate

import pytest
import requests
from django.db import connection
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM as OrmBroker
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from standardwebhooks import Webhook

from tests.factories.courses import CourseFactory, OrganizationFactory
from tests.factories.issuance import DEMO_SECRET, SourceFactory

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
    # The ORM broker closes "old" connections around every enqueue; with CONN_MAX_AGE=0 that is a
    # reconnect (and a SQLite checkpoint) per task. Keep this thread's connection, as a worker would.
    settings_dict = connection.settings_dict
    saved_max_age = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = None
    connection.close_at = None
    if connection.vendor == "postgresql":
        # Test data need not survive a power cut: skip the per-commit WAL flush in this session.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")

    class Queue:
        def __init__(self):
            self.ran: list[str] = []

        def _claim_all(self):
            # Claim everything queued at once (the worker's bulk=1 would pay a round trip per task).
            if isinstance(broker, OrmBroker):
                rows = list(OrmQ.objects.filter(key=broker.list_key).values_list("id", "payload"))
                OrmQ.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
                yield from ((None, payload) for _, payload in rows)
                return
            while (payload := broker.connection.lpop(broker.list_key)) is not None:
                yield None, payload

        def run(self) -> int:
            ran = 0
            while broker.queue_size():
                for ack_id, payload in list(self._claim_all()):
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

    yield Queue()
    settings_dict["CONN_MAX_AGE"] = saved_max_age
