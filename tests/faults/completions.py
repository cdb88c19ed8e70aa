"""Completions in flight through a real cluster during an outage, and what must hold once it is over."""

import os
from collections import Counter
from email.utils import getaddresses

from django.db import DatabaseError, connections
from django_q.brokers import get_broker

from issuance.models import Credential, Issuance, OutboxMessage
from issuance.sweep import issuance_sweep
from tests.pipeline.cluster import wait_until
from tests.pipeline.conftest import complete

SYNCED_MOVES = ["validated", "eligible", "rendered", "badged", "delivered", "synced"]
INELIGIBLE_MOVES = ["validated", "ineligible"]


def profile_broker() -> str:
    """The broker of the profile the suite runs in: Redis in production (REDIS_URL set), else the ORM."""
    return "redis" if os.environ.get("REDIS_URL") else "orm"


def completions_start(course, count: int) -> list[Issuance]:
    """`count` completions of `course`; one in ten scores below the pass mark (a "what you still need" email)."""
    return [complete(course, email=f"learner{n}@learners.example", score=92 if n % 10 else 40) for n in range(count)]


def reachable(query, default=None):
    """`query()`, or `default` while the database or the broker is away (the connection is dropped to reconnect)."""
    try:
        return query()
    except (DatabaseError, ConnectionError, OSError):
        connections.close_all()
        return default
    except Exception as exc:  # redis-py's errors do not all derive from the builtin ConnectionError
        if type(exc).__module__.startswith("redis"):
            return default
        raise


def unfinished() -> int | None:
    return reachable(lambda: Issuance.objects.filter(finished_at__isnull=True).count())


def finished() -> int:
    return reachable(lambda: Issuance.objects.filter(finished_at__isnull=False).count(), default=0)


class Sweeper:
    """What the every-minute sweep schedule does in production, sooner: call it while waiting."""

    def __init__(self):
        self.swept = []

    def __call__(self):
        # Anything still unfinished once the queue has drained lost its task (a broker restarted empty,
        # a task that failed on a dropped connection) or is waiting for a retry that is now due.
        if reachable(lambda: get_broker().queue_size()) == 0:
            self.swept.extend(reachable(lambda: issuance_sweep(stalled_after=2), default=[]))


def finished_at_least(count: int, *, sweeper: Sweeper, timeout: float = 180) -> bool:
    return wait_until(lambda: finished() >= count, timeout=timeout, every=0.5, on_wait=sweeper)


def all_finished(*, sweeper: Sweeper, timeout: float) -> bool:
    return wait_until(lambda: unfinished() == 0, timeout=timeout, every=1, on_wait=sweeper)


def emails_per_learner(smtp) -> Counter:
    return Counter(address for m in smtp.messages for _, address in getaddresses([m["To"]]))


def assert_each_processed_once(issuances: list[Issuance], smtp) -> int:
    """Every completion finished, each step's move recorded once, one credential and one email each.

    Returns the number of duplicate emails; each must be an outbox row flagged as a possible duplicate
    (the documented stuck-in-sending rule), which the caller bounds.
    """
    count = len(issuances)
    states = Counter(Issuance.objects.values_list("state", flat=True))
    assert states == {"synced": count * 9 // 10, "ineligible": count // 10}, f"not every completion finished: {states}"
    for issuance in Issuance.objects.prefetch_related("audit_records"):
        records = sorted(issuance.audit_records.all(), key=lambda r: (r.at, r.pk))
        # A retried step records "failed, retrying" without a move; a move recorded twice is a step done twice.
        moves = [r.to_state for r in records if r.from_state != r.to_state]
        assert moves == (SYNCED_MOVES if issuance.state == "synced" else INELIGIBLE_MOVES), (issuance.pk, moves)
    credentials = Counter(Credential.objects.values_list("learner__email", flat=True))
    assert len(credentials) == count * 9 // 10 and set(credentials.values()) == {1}
    assert Counter(OutboxMessage.objects.values_list("status", flat=True)) == {"sent": count}

    per_learner = emails_per_learner(smtp)
    assert set(per_learner) == {i.learner.email for i in issuances}, "a learner got no email"
    twice = {address for address, n in per_learner.items() if n > 1}
    flagged = set(OutboxMessage.objects.filter(possible_duplicate=True).values_list("recipient", flat=True))
    assert twice <= flagged, f"sent twice without the possible-duplicate flag: {sorted(twice - flagged)}"
    return sum(n - 1 for n in per_learner.values())
