"""Each connection's calls, governed across every worker and host: its request limit, and the pause a system asks for.

A connection's limit is `requests` per `per_seconds`: a REST connection's `rate_limit`, the `rate_limit` setting
("N/S") of the other kinds, or the platform's documented limit when it has one (Accredible: 2,000 per 5 minutes).
It is counted in issuance/shared_counts.py, so every worker on every host spends one count: Redis when there is
one, the database cache otherwise. A delivery is counted before its first call, and the further calls it made
(a look-up before creating, a token) after it.

The system's own window starts when it likes, so fixed windows of S seconds would let 2N calls through in the S
seconds around a boundary (N at the end of one, N at the start of the next). The count is kept instead in k slices
of S/k seconds (k = 10, fewer for a small N), each allowed N // (k + 1) calls: any S seconds, wherever they fall,
overlap at most k + 1 slices, so the system never sees more than N; the price is about a tenth of the limit.

A 429 (or 503) with `Retry-After` pauses that connection's calls until then, not the pipeline: the delivery
that got it and every other delivery of the connection wait, other connections' deliveries go on.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

from django.core.cache import cache

from ..models import Connection
from ..shared_counts import rate_limit_exceeded
from .registry import connector_for

PAUSE_KEY = "laurel:connection-paused:{pk}"


def _rate_name(connection: Connection) -> str:
    return f"connection-rate:{connection.pk}"


def _at(moment: datetime) -> str:
    return f"{moment.astimezone(dt_timezone.utc):%H:%M:%S} UTC"


def connection_wait(connection: Connection, *, now: datetime) -> tuple[timedelta, str] | None:
    """How long this connection's next call must wait and why, or None when it may call now (and is counted)."""
    paused_until = cache.get(PAUSE_KEY.format(pk=connection.pk))
    if paused_until is not None and paused_until > now.timestamp():
        wait = timedelta(seconds=paused_until - now.timestamp())
        return wait, f"The system asked Laurel to wait (Retry-After); this connection's calls resume at {_at(now + wait)}."
    limit = connector_for(connection.kind).rate_limit(connection.settings)
    if limit is None:
        return None
    requests, seconds = limit
    allowed, slice_seconds = _slices(requests, seconds)
    seconds_left = rate_limit_exceeded(name=_rate_name(connection), limit=allowed, window_seconds=slice_seconds, now=now.timestamp())
    if seconds_left is None:
        return None
    wait = timedelta(seconds=seconds_left)
    return wait, (f"Waiting for this connection's limit of {requests:,} calls per {seconds:,} s; "
                  f"its next call is at {_at(now + wait)}.")


def _slices(requests: int, seconds: int) -> tuple[int, float]:
    """(calls allowed per slice, slice length) so that no `seconds` anywhere hold more than `requests` calls."""
    slices = min(10, requests - 1)
    if slices < 1:  # one call per window: two windows' calls can fall within `seconds` of each other
        return requests, float(seconds)
    return requests // (slices + 1), seconds / slices


def connection_calls_spent(connection: Connection, *, calls: int, now: datetime) -> None:
    """Count the calls a delivery made beyond the one counted before it (they were made: counted even past the limit)."""
    limit = connector_for(connection.kind).rate_limit(connection.settings)
    if limit is not None and calls > 1:
        allowed, slice_seconds = _slices(*limit)
        rate_limit_exceeded(name=_rate_name(connection), limit=allowed, count=calls - 1, window_seconds=slice_seconds,
                            now=now.timestamp())


def connection_pause(connection: Connection, *, seconds: float, now: datetime) -> None:
    """Hold every call of this connection for `seconds` (never shortening a longer pause already set)."""
    key = PAUSE_KEY.format(pk=connection.pk)
    until = now.timestamp() + seconds
    if (cache.get(key) or 0) < until:
        cache.set(key, until, timeout=int(seconds) + 60)


def connection_paused_until(connection: Connection, *, now: datetime) -> datetime | None:
    """When the pause a system asked for ends, if one holds now (for the connection's page)."""
    paused_until = cache.get(PAUSE_KEY.format(pk=connection.pk))
    if paused_until is None or paused_until <= now.timestamp():
        return None
    return datetime.fromtimestamp(paused_until, tz=dt_timezone.utc)
