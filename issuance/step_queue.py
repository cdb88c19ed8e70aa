"""Putting an issuance's next step on the django-q2 queue, only once the work behind it is committed."""

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from .queue_brokers import broker_enqueue_at

ADVANCE_TASK = "issuance.tasks.issuance_advance"

_brokers: dict[tuple, Broker] = {}
# Issuances whose next step the current task runs itself (see `issuance_continued_here`).
_continued_here: ContextVar[frozenset] = ContextVar("issuance_continued_here", default=frozenset())
# Issuances opened in the current block that the current task will carry on (see `issuances_started_here`).
_started_here: ContextVar[list | None] = ContextVar("issuances_started_here", default=None)


def queue_broker() -> Broker:
    """This process's broker, made once. Pass it to every `async_task` as `broker=`.

    Without it django-q2 builds a broker per task: with Redis a new connection pool, so a new TCP
    connection per enqueue (a sixth of a webhook request's time in the profile, docs/performance.md).
    Keyed by process (a forked worker makes its own) and by the queue settings (tests switch them).
    """
    key = (os.getpid(), Conf.CLUSTER_NAME, Conf.PREFIX, Conf.ORM, str(Conf.REDIS))
    broker = _brokers.get(key)
    if broker is None:
        _brokers.clear()
        broker = _brokers[key] = get_broker()
    return broker


@contextmanager
def issuance_continued_here(issuance_id):
    """Within this block, moving `issuance_id` queues nothing: the caller runs the next step itself.

    A crash between two steps is then recovered by the sweep, as a crash during a step already is.
    """
    token = _continued_here.set(_continued_here.get() | {str(issuance_id)})
    try:
        yield
    finally:
        _continued_here.reset(token)


@contextmanager
def issuances_started_here():
    """Within this block, an issuance queued for its first step is collected instead of queued.

    The caller runs the collected ones in the same task once the block returned without an error
    (its transaction committed): a webhook's completion goes from intake to email in one queue
    round trip. A crash before they run is recovered by the sweep, as between two steps.
    """
    started: list[str] = []
    token = _started_here.set(started)
    try:
        yield started
    finally:
        _started_here.reset(token)


def issuance_is_continued_here(issuance_id) -> bool:
    return str(issuance_id) in _continued_here.get()


def issuance_enqueue(*, issuance_id, organization_id: int | None = None) -> None:
    """Queue the next step, in its organisation's turn, once the transaction that made it possible has committed.

    With Redis an enqueue inside a transaction would survive a rollback; on_commit avoids that, and
    the sweep covers the crash window between COMMIT and the callback. The turn itself is written
    in the transaction (issuance/turns.py).
    """
    if issuance_is_continued_here(issuance_id):
        return
    started = _started_here.get()
    if started is not None:
        started.append(str(issuance_id))
        return
    if organization_id is None:
        from .models import Issuance

        organization_id = Issuance.objects.filter(pk=issuance_id).values_list("organization_id", flat=True).first()
    from .turns import Kind, turn_enqueue

    turn_enqueue(kind=Kind.ISSUANCE, ref=issuance_id, organization_id=organization_id)


def task_enqueue_now(func: str, *args) -> None:
    """Put `func(*args)` on the broker once the transaction commits (a turn's token, or any other task)."""
    transaction.on_commit(lambda: async_task(func, *args, broker=queue_broker()))


class _HeldUntil:
    """What `async_task` calls a broker: it enqueues the signed task so that it runs at `due`."""

    def __init__(self, broker: Broker, due: datetime):
        self.broker, self.due, self.list_key = broker, due, broker.list_key

    def enqueue(self, task):
        return broker_enqueue_at(self.broker, task, due=self.due)


def task_enqueue_at(func: str, *args, due: datetime, organization_id: int | None = None) -> None:
    """Queue `func(*args)` to run when `due` comes (to about a second), once the transaction commits.

    For retries: a row due again in 5 s is attempted then, not at the next minute's sweep. The
    task must be safe to run early, late or twice (the row's claim decides); the sweep stays the
    safety net for a task the broker lost. A kind of work that is taken in turns (issuance/turns.py)
    waits for its organisation's turn once due.
    """
    from .turns import TASK_KINDS, turn_enqueue

    kind = TASK_KINDS.get(func)
    if kind is not None and len(args) == 1:
        turn_enqueue(kind=kind, ref=args[0], organization_id=organization_id, due=due)
        return
    task_enqueue_at_raw(func, *args, due=due)


def task_enqueue_at_raw(func: str, *args, due: datetime) -> None:
    """`task_enqueue_at` without a turn: the task alone, held until `due`."""
    transaction.on_commit(lambda: async_task(func, *args, broker=_HeldUntil(queue_broker(), due)))
