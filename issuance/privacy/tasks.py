"""The daily privacy job (declared in issuance/schedules.py)."""

from ..periodic import periodic_run
from .retention import raw_bodies_expire


def privacy_daily() -> str:
    with periodic_run(name="privacy-daily") as budget:
        if budget is None:
            return "skipped: the previous run is still going, or housekeeping has its share of workers"
        expired = raw_bodies_expire()
        return ", ".join(f"{slug}: {count} raw bodies expired" for slug, count in expired.items()) or "no retention set"
