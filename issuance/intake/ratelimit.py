"""Per-source webhook rate limit, counted in the shared cache so every web process sees one count."""

import time

from django.core.cache import cache

from ..models import Source

WINDOW_SECONDS = 60


def source_rate_limit_exceeded(*, source: Source, now: float | None = None) -> int | None:
    """Count this request; return the seconds until the window resets if the source is over its limit.

    A fixed one-minute window: simple, and a sender told to retry after it loses nothing.
    """
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"laurel:webhook-rate:{source.pk}:{window}"
    # add() is atomic on Redis and the database cache; incr() is atomic on Redis (on the database
    # cache two processes may both read the same count, so the limit is approximate there).
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count > source.rate_limit_per_minute:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None
