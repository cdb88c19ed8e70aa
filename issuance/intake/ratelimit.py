"""Per-source webhook rate limit in events (and any other per-minute limit: verifying a file), counted in Redis or the database cache so every web process sees one count."""

import contextlib
import functools
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction

from ..models import Source

WINDOW_SECONDS = 60
KEY_TIMEOUT = WINDOW_SECONDS * 2
BATCH_MAX = 10


def source_rate_limit_exceeded(*, source: Source, events: int = 1, now: float | None = None) -> int | None:
    """Count this request's `events`; return the seconds until the window resets if they would pass the limit.

    A fixed one-minute window: simple, and a sender told to retry after it loses nothing. Events,
    not requests, are counted, so a batch of 100 statements spends what 100 single ones would.
    """
    return rate_limit_exceeded(name=f"webhook-rate:{source.pk}", limit=source.rate_limit_per_minute, count=events, now=now)


def rate_limit_exceeded(*, name: str, limit: int, count: int = 1, now: float | None = None) -> int | None:
    """Count `count` against `name`'s one-minute window; the seconds until it resets if they would pass `limit`."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"laurel:{name}:{window}"
    if not _admit_from_reserve(key=key, window=window, limit=limit, count=count):
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None


# --- The shared count, reserved a few events at a time --------------------------------------------
# Counting every request in the shared count cost a round trip to Redis (a fifth of a production
# webhook's round trips) or, in the database cache, a read and a write under the write lock (a fifth
# of the embedded webhook's throughput). So each process reserves a batch of requests from the
# shared count and admits them on its own. The shared count never lets more than the limit
# through; requests another process reserved and has not used yet may be refused early, at most
# 1 % of the limit per process, and a sender told to retry loses nothing.


@dataclass
class _Reserve:
    granted: int = 0  # requests of this minute this process may admit
    admitted: int = 0
    spent: bool = False  # the shared count reached the limit: refuse without asking again


_reserves: dict[tuple[str, int], _Reserve] = {}  # (key, window) -> this process's reserve
_reserves_lock = threading.Lock()


def _batch(limit: int) -> int:
    return max(1, min(BATCH_MAX, limit // 100))


def _admit_from_reserve(*, key: str, window: int, limit: int, count: int = 1) -> bool:
    """Admit `count` events from this process's reserve, topping it up from the shared count; all or none."""
    with _reserves_lock:
        reserve = _reserves.get((key, window))
        if reserve is None:
            for stale in [entry for entry in _reserves if entry[1] != window]:
                del _reserves[stale]  # an earlier minute's, over
            reserve = _reserves[(key, window)] = _Reserve()
        if reserve.admitted + count <= reserve.granted:
            reserve.admitted += count
            return True
        if reserve.spent:
            return False
        needed = count - (reserve.granted - reserve.admitted)
        ask = max(_batch(limit), needed)
        left = limit - (_count_shared(key, ask) - ask)  # what the shared count had left for us
        reserve.granted += max(0, min(ask, left))  # kept for smaller requests even when this one is refused
        if left <= ask:
            reserve.spent = True  # the shared count has reached the limit
        if left < needed:
            return False
        reserve.admitted += count
        return True


def _count_shared(key: str, delta: int) -> int:
    """Add `delta` to the count every process shares and return it: Redis when there is one."""
    if settings.REDIS_URL:  # the shared cache is Redis (settings.py)
        return _count_on_redis(settings.REDIS_URL, key, delta)
    return _count_in_cache(key, delta)


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    # One client per process: the cache API builds a new client object for every call, which cost
    # as much CPU as the round trip. The client's connection pool is thread-safe and fork-aware.
    return redis.Redis.from_url(url)


def _count_on_redis(url: str, key: str, delta: int) -> int:
    """INCRBY and EXPIRE in one MULTI: one round trip, never a key without expiry."""
    count, _ = _redis(url).pipeline(transaction=True).incrby(key, delta).expire(key, KEY_TIMEOUT).execute()
    return count


def _count_in_cache(key: str, delta: int) -> int:
    """Add `delta` to the shared count and return it: a read and a write in one transaction.

    On SQLite the transaction takes the write lock before the read (BEGIN IMMEDIATE), so two
    processes never read the same count (add() then incr() could, and took two transactions).
    """
    cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, DatabaseCache):
        atomic = transaction.atomic(using=router.db_for_write(cache.cache_model_class))
    else:
        atomic = contextlib.nullcontext()
    with atomic:
        count = cache.get(key, 0) + delta
        cache.set(key, count, timeout=KEY_TIMEOUT)
    return count
