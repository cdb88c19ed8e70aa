"""Taking queued work in turns per organisation, on django-q2's first-in-first-out queue (ADR 0012).

Every piece of work that is queued (an event to process, an issuance's next step, an email to send,
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

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import WaitingTurn

Kind = WaitingTurn.Kind

# The django-q2 task that carries each kind's token, with the row id as its one argument.
KIND_TASKS = {
    Kind.EVENT: "issuance.intake.tasks.completion_events_process",
    Kind.ISSUANCE: "issuance.tasks.issuance_advance",
    Kind.EMAIL: "issuance.delivery.tasks.outbox_send_task",
    Kind.DELIVERY: "issuance.outbound.tasks.outbound_delivery_task",
}
TASK_KINDS = {task: kind for kind, task in KIND_TASKS.items()}

_TABLE = WaitingTurn._meta.db_table

# One statement: the round after the organisation's last waiting turn of this kind, or else the
# round now being served (the lowest waiting), or 0 when nothing waits. A turn already waiting for
# the same row keeps its place (the unique constraint; nothing is inserted).
_PUSH = f"""
INSERT INTO {_TABLE} (kind, ref, organization_id, round, not_before, created_at)
VALUES (%s, %s, %s, COALESCE(
    (SELECT MAX(round) + 1 FROM {_TABLE} WHERE kind = %s AND organization_id = %s),
    (SELECT MIN(round) FROM {_TABLE} WHERE kind = %s),
    0), %s, %s)
ON CONFLICT DO NOTHING
"""

# One statement: delete the next due turn of a kind and return it. On PostgreSQL two workers skip
# each other's row; on SQLite the statement holds the write lock.
_TAKE = f"""
DELETE FROM {_TABLE} WHERE id = (
    SELECT id FROM {_TABLE} WHERE kind = %s AND (not_before IS NULL OR not_before <= %s)
    ORDER BY round, id LIMIT 1{{lock}}
) RETURNING ref
"""


def turn_push(*, kind: str, ref, organization_id: int | None, not_before: datetime | None = None) -> bool:
    """Record that `ref` waits for its organisation's turn; False if a turn for it already waits."""
    ops = connection.ops
    org = organization_id or 0
    with connection.cursor() as cursor:
        cursor.execute(_PUSH, [kind, str(ref), org, kind, org, kind,
                               ops.adapt_datetimefield_value(not_before), ops.adapt_datetimefield_value(timezone.now())])
        return cursor.rowcount == 1


def turn_take(*, kind: str) -> str | None:
    """The id of the work whose turn it is now for `kind` (its turn deleted), or None if nothing is due."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for _ in range(3):  # on PostgreSQL a row deleted by another worker between the two halves comes back empty
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_TAKE.format(lock=lock), [kind, now])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        if not WaitingTurn.objects.filter(kind=kind).exists():
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
    from .step_queue import task_enqueue_now, task_enqueue_at_raw

    turn_push(kind=kind, ref=ref, organization_id=organization_id, not_before=due)
    if due is None:
        task_enqueue_now(KIND_TASKS[kind], ref)
    else:
        task_enqueue_at_raw(KIND_TASKS[kind], ref, due=due)


def turns_waiting_since(*, kind: str, before: datetime, limit: int) -> list[str]:
    """Turns of `kind` waiting since before `before`: their tasks may have been lost with the broker."""
    return list(
        WaitingTurn.objects.filter(kind=kind, created_at__lt=before)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))
        .order_by("round", "id").values_list("ref", flat=True)[:limit]
    )
