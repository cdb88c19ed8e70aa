"""The daily privacy job (declared in issuance/schedules.py): raw bodies past their retention, expired data copies,
credential import uploads past theirs.

A run works for at most RUN_SECONDS, then queues its next run: switching retention on over a year
of bodies is emptied in runs of about a second, between which the workers take issuance steps."""

from datetime import timedelta

from django.utils import timezone

from ..imports.keeping import import_uploads_expire, import_uploads_left
from ..periodic import Budget, periodic_run
from ..step_queue import task_enqueue_at_raw
from .retention import data_copies_expire, data_copies_left, raw_bodies_expire, raw_bodies_left

TASK = "issuance.privacy.tasks.privacy_daily"
RUN_SECONDS = 1.0  # the most one run spends before it hands over (it stops between batches)
NEXT_RUN_AFTER = timedelta(seconds=2)


def privacy_daily() -> str:
    with periodic_run(name="privacy-daily") as budget:
        if budget is None:
            return "skipped: the previous run is still going, or housekeeping has its share of workers"
        run = Budget(seconds=min(RUN_SECONDS, budget.left()))
        expired = raw_bodies_expire(budget=run)
        copies = data_copies_expire(stop=run.spent)
        uploads = import_uploads_expire(stop=run.spent)
        more = run.spent() and (raw_bodies_left() or data_copies_left() or import_uploads_left())
    summary = ", ".join(f"{slug}: {count} raw bodies expired" for slug, count in expired.items()) or "no retention set"
    if copies:
        summary += f"; {copies} expired data copies deleted"
    if uploads:
        summary += f"; {uploads} import upload file(s) past retention removed"
    if more:  # queued once the lease is given back, so the next run can take it
        task_enqueue_at_raw(TASK, due=timezone.now() + NEXT_RUN_AFTER)
        return summary + "; the next run carries on in a moment"
    return summary
