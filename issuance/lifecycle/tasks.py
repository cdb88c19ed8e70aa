"""The daily lifecycle task django-q2 runs (schedule `laurel-lifecycle-daily`): thin, safe to run twice.

A run works for at most RUN_SECONDS, then queues the next run of the same pass (daily.py), so a
year's backlog is worked through in short runs between which the workers take issuance steps."""

from datetime import timedelta

from django.utils import timezone

from ..periodic import Budget, periodic_run
from ..step_queue import task_enqueue_at_raw
from .daily import DailyPass, daily_pass_current, daily_pass_run

TASK = "issuance.lifecycle.tasks.lifecycle_daily"
RUN_SECONDS = 1.0  # the most one run spends before it hands over (it stops between batches)
NEXT_RUN_AFTER = timedelta(seconds=2)  # the pause between two runs of a pass
RETRY_AFTER = timedelta(seconds=30)  # a continuation that found no periodic slot free tries again


class RemindersRefused(RuntimeError):
    """Above LAUREL_BULK_CONFIRM_OVER the schedule sends nothing: a failed task, which django-q2 always keeps."""


def lifecycle_daily(pass_id: str | None = None) -> str:
    """The schedule's run (no `pass_id`: carry on the unfinished pass, or start one), or a pass's next run."""
    with periodic_run(name="lifecycle-daily") as budget:
        if budget is None:
            skipped = "skipped: the previous run is still going, or housekeeping has its share of workers"
        else:
            current = daily_pass_current(pass_id=pass_id) if pass_id else (daily_pass_current() or DailyPass())
            if current is None:
                return "nothing to carry on: that pass has finished"
            run = Budget(seconds=min(RUN_SECONDS, budget.left()))
            current = daily_pass_run(current=current, stop=run.spent)
    if budget is None:
        if pass_id and daily_pass_current(pass_id=pass_id):
            task_enqueue_at_raw(TASK, pass_id, due=timezone.now() + RETRY_AFTER)
        return skipped
    if not current.finished:  # queued once the lease is given back, so the next run can take it
        task_enqueue_at_raw(TASK, current.id, due=timezone.now() + NEXT_RUN_AFTER)
        return current.summary()
    if current.refused:
        raise RemindersRefused(current.summary() + " Send them with manage.py send_renewal_reminders --yes-send "
                               f"{current.run().to_email}, or raise LAUREL_BULK_CONFIRM_OVER.")
    return current.summary()
