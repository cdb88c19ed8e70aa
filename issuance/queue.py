"""Putting an issuance's next step on the django-q2 queue, only once the work behind it is committed."""

import os

from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

ADVANCE_TASK = "issuance.tasks.issuance_advance"

_brokers: dict[tuple, Broker] = {}


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


def issuance_enqueue(*, issuance_id) -> None:
    """Queue the next step once the transaction that made it possible has committed.

    With Redis an enqueue inside a transaction would survive a rollback; on_commit avoids that, and
    the sweep covers the crash window between COMMIT and the callback.
    """
    transaction.on_commit(lambda: async_task(ADVANCE_TASK, str(issuance_id), broker=queue_broker()))
