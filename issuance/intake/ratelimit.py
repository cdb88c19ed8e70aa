"""Per-source webhook rate limit in events (and any other per-minute limit: verifying a file), counted in Redis or the database cache so every web process sees one count (issuance/shared_counts.py)."""

from ..models import Source
from ..shared_counts import rate_limit_exceeded


def source_rate_limit_exceeded(*, source: Source, events: int = 1, now: float | None = None) -> int | None:
    """Count this request's `events`; return the seconds until the window resets if they would pass the limit.

    A fixed one-minute window: simple, and a sender told to retry after it loses nothing. Events,
    not requests, are counted, so a batch of 100 statements spends what 100 single ones would.
    """
    return rate_limit_exceeded(name=f"webhook-rate:{source.pk}", limit=source.rate_limit_per_minute, count=events, now=now)
