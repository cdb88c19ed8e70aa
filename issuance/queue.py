"""Putting an issuance's next step on the django-q2 queue, only once the work behind it is committed."""

from django.db import transaction
from django_q.tasks import async_task

ADVANCE_TASK = "issuance.tasks.issuance_advance"


def issuance_enqueue(*, issuance_id) -> None:
    """Queue the next step once the transaction that made it possible has committed.

    With Redis an enqueue inside a transaction would survive a rollback; on_commit avoids that, and
    the sweep covers the crash window between COMMIT and the callback.
    """
    transaction.on_commit(lambda: async_task(ADVANCE_TASK, str(issuance_id)))
