"""The daily lifecycle task django-q2 runs (schedule `laurel-lifecycle-daily`): thin, safe to run twice."""

from ..periodic import periodic_run
from .expiry import credentials_expire_due
from .runs import renewal_reminders_run


class RemindersRefused(RuntimeError):
    """Above LAUREL_BULK_CONFIRM_OVER the schedule sends nothing: a failed task, which django-q2 always keeps."""


def lifecycle_daily() -> str:
    with periodic_run(name="lifecycle-daily") as budget:
        if budget is None:
            return "skipped: the previous run is still going, or housekeeping has its share of workers"
        return _lifecycle_daily()


def _lifecycle_daily() -> str:
    expired = credentials_expire_due()
    run = renewal_reminders_run()
    summary = f"expired {expired}; reminders: " + "; ".join(run.lines())
    if run.refused:
        raise RemindersRefused(summary + " Send them with manage.py send_renewal_reminders --yes-send "
                               f"{run.to_email}, or raise LAUREL_BULK_CONFIRM_OVER.")
    return summary
