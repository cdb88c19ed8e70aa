"""SQL statements per credential, step by step, from the webhook's request to the email accepted by SMTP.

One completion goes the whole way as in production: a signed POST through Django's request
handling, the intake task taken off the real broker (ORM or Redis) and run as a worker runs it,
then every step in that task. Each statement is charged to the innermost step on the call stack
when it ran. The table is printed (`pytest -s` shows it); the test fails when the total grows past
the budget, so a feature that adds a statement per credential says so here and in
docs/performance.md.
"""

import json
import sys
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
from django.db import connection
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from pydoc import locate
from standardwebhooks import Webhook

from issuance import pipeline, transitions, worker
from issuance.intake import processing, ratelimit, source_cache
from issuance.models import Issuance
from tests.factories.issuance import DEMO_SECRET, SourceFactory

# The whole path's statements for one credential once the processes are warm (docs/performance.md): 85
# after the fourth round, plus 4 for the turns per organisation (ADR 0013: the webhook writes the event's
# turn, the intake task takes it, each in a transaction of its own), plus 1 for the achievement's text in the
# learner's language, read when the Open Badges credential is signed (#33). Then (#36, fifth round) 80: the learner,
# its identity, the credential and its status entries inserted with ON CONFLICT DO NOTHING instead of inside
# savepoints, and issuance_start opening no savepoint of its own inside the intake's transaction; 78: a published
# rule set version's conditions and prerequisites remembered per process (courses/published_rules.py); 73: the
# organisation's default certificate template, its assets, the template's signatories, the email template and the
# achievement's texts kept per process under the organisation's catalogue version (courses/catalogue_cache.py); 71:
# the issuance a webhook's intake task opens is written with the task's lease and carried on as it is, not claimed
# and read again.
BUDGET = 71

SHARED = "webhook: shared (source cache, rate limit)"
TRANSACTION_MARKERS = {"BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK"}

# Innermost match on the call stack names the step a statement belongs to.
STEP_CODES = {
    processing.completion_event_process.__code__: "intake: read and validate the event",
    pipeline.issuance_start.__code__: "intake: learner and issuance",
    transitions.issuance_claim.__code__: "claim",
    pipeline.decide.__code__: "decide",
    pipeline.render.__code__: "render",
    pipeline.badge.__code__: "badge",
    pipeline.deliver.__code__: "deliver",
    pipeline.sync.__code__: "sync",
    worker.issuance_advance_steps.__code__: "between steps",
    # Shared by many requests, so not per credential: a process remembers an active source for 3 s, and
    # reserves a batch of the source's rate limit at a time. Printed, not counted in the budget.
    source_cache.webhook_source_get.__code__: SHARED,
    ratelimit.rate_limit_exceeded.__code__: SHARED,
}


class StatementsByStep:
    """A connection execute_wrapper: counts each statement under the step running it."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.statements: list[tuple[str, str]] = []
        self.phase = ""

    def __call__(self, execute, sql, params, many, context):
        step = self.phase
        frame = sys._getframe(1)
        while frame is not None:
            label = STEP_CODES.get(frame.f_code)
            if label is not None:
                step = label
                break
            frame = frame.f_back
        self.counts[step] += 1
        self.statements.append((step, sql))
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        """Per credential: everything but the work a process shares between requests."""
        return sum(count for step, count in self.counts.items() if step != SHARED)


def _post(client, source, *, email: str, message_id: str):
    body = json.dumps({"type": "course.completed", "data": {
        "learner": {"id": message_id, "email": email, "name": "Ann Lee"}, "course": {"id": "FA-1"},
        "completed_at": "2026-01-05T09:58:00Z", "score": 91}})
    moment = datetime.fromtimestamp(int(time.time()), tz=timezone.utc)
    return client.post(
        f"/api/v1/sources/{source.slug}/events", data=body, content_type="application/json",
        headers={"webhook-id": message_id, "webhook-timestamp": str(int(moment.timestamp())),
                 "webhook-signature": Webhook(DEMO_SECRET).sign(message_id, moment, body)},
    )


def _one_credential(client, source, counter: StatementsByStep, capture, *, email: str, message_id: str) -> None:
    broker = get_broker()
    counter.phase = "webhook request"
    with capture(execute=True):  # the request's on-commit enqueue runs as it would after its commit
        response = _post(client, source, email=email, message_id=message_id)
    assert response.status_code == 202, response.content
    counter.phase = "queue: take the task"
    [(ack_id, payload)] = broker.dequeue()
    task = SignedPackage.loads(payload)
    counter.phase = "intake task"
    with capture(execute=True):
        locate(task["func"])(*task["args"], **task["kwargs"])
    counter.phase = "queue: take the task"
    broker.acknowledge(ack_id)


@pytest.mark.django_db(transaction=True)  # real transactions: BEGIN and COMMIT as in production, no outer savepoint
def test_one_credential_from_webhook_to_email_stays_within_its_statement_budget(
    smtp, course, client, django_capture_on_commit_callbacks, capsys
):
    source = SourceFactory(organization=course.organization)
    get_broker().purge_queue()
    warm = StatementsByStep()
    with connection.execute_wrapper(warm):  # the first credential fills each process's caches
        _one_credential(client, source, warm, django_capture_on_commit_callbacks, email="warm@learners.example",
                        message_id="msg_warm")
    # A second one fills those that keep only rows they found committed (a design's renderMethod card): the
    # first credential of a design makes its row, which its own step could still roll back.
    second = StatementsByStep()
    with connection.execute_wrapper(second):
        _one_credential(client, source, second, django_capture_on_commit_callbacks,
                        email="warm2@learners.example", message_id="msg_warm2")

    counter = StatementsByStep()
    with connection.execute_wrapper(counter):
        _one_credential(client, source, counter, django_capture_on_commit_callbacks, email="ann@learners.example",
                        message_id="msg_ann")

    issuance = Issuance.objects.get(event__external_id="msg_ann")
    assert issuance.state == Issuance.State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1
    with capsys.disabled():
        print(f"\nSQL statements per credential ({connection.vendor}), warm; first credential {warm.total}:")
        for step, count in counter.counts.items():
            markers = sum(1 for s, sql in counter.statements if s == step and sql.split()[0].upper() in TRANSACTION_MARKERS)
            print(f"  {step:<44} {count:>3}  (of which {markers} BEGIN/SAVEPOINT/RELEASE)")
        print(f"  {'total':<44} {counter.total:>3}")
        if "-v" in sys.argv or "-vv" in sys.argv:
            for step, sql in counter.statements:
                print(f"    [{step}] {sql[:220]}")
    assert counter.total <= BUDGET
