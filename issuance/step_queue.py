"""Putting work on the django-q2 queue, only once the work behind it is committed, in its organisation's turn.

Turns (ADR 0013): every piece of work that is queued (an event to process, an issuance's next step, an email to send,
an outbound delivery to attempt) is a `WaitingTurn` row committed with the work, plus a django-q2
task as before. The task is a token: when a worker runs it, it takes the waiting turn of its kind
with the lowest (round, id) and does that work, which may be another organisation's. An
organisation's turns get consecutive rounds starting at the round being served, so with A's 10,000
events waiting, B's one event gets the round now being served and is the next one taken, whatever
the order of the tasks in the broker.

What stays as it was: one task per piece of work, run at least or at most once as the broker
decides; the leases, claims and effects that make running work twice harmless; the sweeps that
re-queue what stopped moving. A task that finds no turn waiting does the work it was queued with,
so a task queued before this existed, or by hand, still does its work.
"""

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from .models import Issuance, WaitingTurn
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
    started: list = []  # issuance ids, or the issuances opened with this task's lease (issuance_open)
    token = _started_here.set(started)
    try:
        yield started
    finally:
        _started_here.reset(token)


def issuance_is_continued_here(issuance_id) -> bool:
    return str(issuance_id) in _continued_here.get()


def issuances_started_here_active() -> bool:
    """Whether an issuance opened now is carried on by this task (`issuances_started_here`)."""
    return _started_here.get() is not None


def issuance_enqueue(*, issuance_id, organization_id: int | None = None, held: Issuance | None = None) -> None:
    """Queue the next step, in its organisation's turn, once the transaction that made it possible has committed.

    With Redis an enqueue inside a transaction would survive a rollback; on_commit avoids that, and
    the sweep covers the crash window between COMMIT and the callback. The turn itself is written
    in the transaction (turns, below). Inside `issuances_started_here` the issuance is collected instead:
    `held`, the copy that was opened with this task's lease, else its id.
    """
    if issuance_is_continued_here(issuance_id):
        return
    started = _started_here.get()
    if started is not None:
        started.append(held if held is not None else str(issuance_id))
        return
    if organization_id is None:
        organization_id = Issuance.objects.filter(pk=issuance_id).values_list("organization_id", flat=True).first()
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
    safety net for a task the broker lost. A kind of work that is taken in turns (below)
    waits for its organisation's turn once due.
    """
    kind = TASK_KINDS.get(func)
    if kind is not None and len(args) == 1:
        turn_enqueue(kind=kind, ref=args[0], organization_id=organization_id, due=due)
        return
    task_enqueue_at_raw(func, *args, due=due)


def task_enqueue_at_raw(func: str, *args, due: datetime) -> None:
    """`task_enqueue_at` without a turn: the task alone, held until `due`."""
    transaction.on_commit(lambda: async_task(func, *args, broker=_HeldUntil(queue_broker(), due)))


# --- Turns per organisation (ADR 0013) ----------------------------------------------------------

Kind = WaitingTurn.Kind

# The django-q2 task that carries each kind's token, with the row id as its one argument.
KIND_TASKS = {
    Kind.EVENT: "issuance.intake.tasks.completion_events_process",
    Kind.ISSUANCE: "issuance.tasks.issuance_advance",
    Kind.EMAIL: "issuance.delivery.tasks.outbox_send_task",
    Kind.DELIVERY: "issuance.outbound.tasks.outbound_delivery_task",
}
TASK_KINDS = {task: kind for kind, task in KIND_TASKS.items()}

# One statement: the round after the organisation's last waiting turn of this kind, or else the
# round now being served (the lowest waiting), or 0 when nothing waits. A turn already waiting for
# the same row keeps its place (the unique constraint; nothing is inserted).
# (The table is WaitingTurn's db_table, written out: no SQL here is built from strings.)
_PUSH = """
INSERT INTO issuance_waiting_turn (kind, ref, organization_id, round, not_before, created_at)
VALUES (%s, %s, %s, COALESCE(
    (SELECT MAX(round) + 1 FROM issuance_waiting_turn WHERE kind = %s AND organization_id = %s),
    (SELECT MIN(round) FROM issuance_waiting_turn WHERE kind = %s),
    0), %s, %s)
ON CONFLICT DO NOTHING
"""

# One statement: delete the next due turn of a kind and return it. On PostgreSQL two workers skip
# each other's row; on SQLite the statement holds the write lock.
_TAKE = """
DELETE FROM issuance_waiting_turn WHERE id = (
    SELECT id FROM issuance_waiting_turn WHERE kind = %s AND (not_before IS NULL OR not_before <= %s)
    ORDER BY round, id LIMIT 1
) RETURNING ref
"""
_TAKE_SKIPPING_LOCKED = """
DELETE FROM issuance_waiting_turn WHERE id = (
    SELECT id FROM issuance_waiting_turn WHERE kind = %s AND (not_before IS NULL OR not_before <= %s)
    ORDER BY round, id LIMIT 1 FOR UPDATE SKIP LOCKED
) RETURNING ref
"""


def turn_push(*, kind: str, ref, organization_id: int | None, not_before: datetime | None = None) -> bool:
    """Record that `ref` waits for its organisation's turn; False if a turn for it already waits."""
    ops = connection.ops
    org = organization_id or 0
    with _turn_transaction() as cursor:
        cursor.execute(_PUSH, [kind, str(ref), org, kind, org, kind,
                               ops.adapt_datetimefield_value(not_before), ops.adapt_datetimefield_value(timezone.now())])
        return cursor.rowcount == 1


@contextmanager
def _turn_transaction():
    """A cursor; outside a caller's transaction, in one of its own that PostgreSQL need not flush to disk.

    A turn is bookkeeping the sweeps can redo: one lost in a crash of the database (a push or a take
    not yet on disk) costs a stalled row re-queued, or a token whose work is already done. Waiting
    for the flush cost the webhook request a second one after its event's. Inside a caller's
    transaction the turn commits with the caller's work, as durably as that.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield cursor


def turn_take(*, kind: str) -> str | None:
    """The id of the work whose turn it is now for `kind` (its turn deleted), or None if nothing is due."""
    statement = _TAKE_SKIPPING_LOCKED if connection.vendor == "postgresql" else _TAKE
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for _ in range(3):  # on PostgreSQL a row deleted by another worker between the two halves comes back empty
        with _turn_transaction() as cursor:
            cursor.execute(statement, [kind, now])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        if not WaitingTurn.objects.filter(_due(), kind=kind).exists():
            return None
    return None


def turn_enqueue(*, kind: str, ref, organization_id: int | None, due: datetime | None = None) -> None:
    """Queue `ref`'s work in its organisation's turn once the current transaction commits.

    The turn is written in the caller's transaction (a rollback queues nothing); the token task goes
    to the broker on commit, held until `due` when given. A row whose turn already waits keeps its
    place, and still gets a task, as every enqueue did before turns: the waiting turn's own task may
    have been lost, or its work done directly (a task that continues it), and one task too many
    only takes the next turn or finds its row's work done.
    """
    turn_push(kind=kind, ref=ref, organization_id=organization_id, not_before=due)
    if due is None:
        task_enqueue_now(KIND_TASKS[kind], ref)
    else:
        task_enqueue_at_raw(KIND_TASKS[kind], ref, due=due)


def turns_waiting_since(*, kind: str, before: datetime, limit: int) -> list[str]:
    """Turns of `kind` waiting since before `before`: their tasks may have been lost with the broker."""
    return list(
        WaitingTurn.objects.filter(_due(), kind=kind, created_at__lt=before)
        .order_by("round", "id").values_list("ref", flat=True)[:limit]
    )


def _due() -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
