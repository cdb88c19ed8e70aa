"""The daily lifecycle task django-q2 runs (schedule `laurel-lifecycle-daily`): thin, safe to run twice."""

from .expiry import credentials_expire_due
from .runs import renewal_reminders_run


def lifecycle_daily() -> str:
    expired = credentials_expire_due()
    run = renewal_reminders_run()
    return f"expired {expired}; reminders: " + "; ".join(run.lines())
