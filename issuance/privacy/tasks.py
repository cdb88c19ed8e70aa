"""The daily privacy job (declared in issuance/schedules.py)."""

from ..periodic import periodic_run
from .retention import data_copies_expire, raw_bodies_expire


def privacy_daily() -> str:
    with periodic_run(name="privacy-daily") as budget:
        if budget is None:
            return "skipped: the previous run is still going, or housekeeping has its share of workers"
        expired = raw_bodies_expire()
        copies = data_copies_expire()
        bodies = ", ".join(f"{slug}: {count} raw bodies expired" for slug, count in expired.items()) or "no retention set"
        return f"{bodies}; {copies} expired data copies deleted"
