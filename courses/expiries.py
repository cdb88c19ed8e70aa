"""How many of a course's credentials end soon: for the course page in the admin and the dashboard.

Read through the course's issuances by name, so the catalogue imports nothing from the pipeline.
"""

from datetime import datetime, timedelta

from django.utils import timezone

UPCOMING_DAYS = (30, 90)


def course_upcoming_expiries(*, course, now: datetime | None = None) -> dict[int, int]:
    """{30: n, 90: m}: active credentials from this course whose end falls within that many days."""
    now = now or timezone.now()
    held = course.issuances.filter(credential__status="active", credential__valid_until__gt=now)
    return {days: held.filter(credential__valid_until__lte=now + timedelta(days=days)).count() for days in UPCOMING_DAYS}
