"""What any outgoing call reads the same way, an LMS poll or an outbound delivery: the answer's Retry-After."""

from email.utils import parsedate_to_datetime

from django.utils import timezone

MAX_RETRY_AFTER = 24 * 3600


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        return min(max((parsedate_to_datetime(value) - timezone.now()).total_seconds(), 0.0), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return None
