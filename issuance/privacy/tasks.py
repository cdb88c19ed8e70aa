"""The daily privacy job (declared in issuance/schedules.py)."""

from .retention import raw_bodies_expire


def privacy_daily() -> str:
    expired = raw_bodies_expire()
    return ", ".join(f"{slug}: {count} raw bodies expired" for slug, count in expired.items()) or "no retention set"
