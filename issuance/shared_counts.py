"""Counts every process and host shares, in fixed windows: Redis when there is one, the database cache otherwise.

The per-source webhook limit (issuance/intake/ratelimit.py), the per-address verify limit and each outbound
connection's request limit (issuance/outbound/governor.py) are all such counts.
"""

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

WINDOW_SECONDS = 60
BATCH_MAX = 10


def rate_limit_exceeded(*, name: str, limit: int, count: int = 1, now: float | None = None,
                        window_seconds: float = WINDOW_SECONDS) -> int | None:
    """Count `count` against `name`'s fixed window (a minute unless told); the seconds until it resets if they would pass `limit`."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    key = f"laurel:{name}:{window_seconds}:{window}"
    ends = (window + 1) * window_seconds
    if not _admit_from_reserve(name=name, key=key, ends=ends, now=now, limit=limit, count=count, timeout=int(window_seconds * 2) + 1):
        return max(1, int(ends - now))
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
    granted: int = 0  # requests of this window this process may admit
    admitted: int = 0
    spent: bool = False  # the shared count reached the limit: refuse without asking again


_reserves: dict[str, tuple[float, _Reserve]] = {}  # name -> (when its current window ends, this process's reserve in it)
_reserves_lock = threading.Lock()


def _batch(limit: int) -> int:
    return max(1, min(BATCH_MAX, limit // 100))


def _admit_from_reserve(*, name: str, key: str, ends: float, now: float, limit: int, count: int = 1, timeout: int) -> bool:
    """Admit `count` events from this process's reserve, topping it up from the shared count; all or none."""
    with _reserves_lock:
        current = _reserves.get(name)
        if current is None or current[0] != ends:  # none yet, or an earlier window's
            for stale in [other for other, (other_ends, _) in _reserves.items() if other_ends <= now]:
                del _reserves[stale]  # windows that are over, whoever counted in them (one entry per address at most)
            current = _reserves[name] = (ends, _Reserve())
        reserve = current[1]
        if reserve.admitted + count <= reserve.granted:
            reserve.admitted += count
            return True
        if reserve.spent:
            return False
        needed = count - (reserve.granted - reserve.admitted)
        ask = max(_batch(limit), needed)
        left = limit - (_count_shared(key, ask, timeout) - ask)  # what the shared count had left for us
        reserve.granted += max(0, min(ask, left))  # kept for smaller requests even when this one is refused
        if left <= ask:
            reserve.spent = True  # the shared count has reached the limit
        if left < needed:
            return False
        reserve.admitted += count
        return True


def _count_shared(key: str, delta: int, timeout: int) -> int:
    """Add `delta` to the count every process shares and return it: Redis when there is one."""
    if settings.REDIS_URL:  # the shared cache is Redis (settings.py)
        return _count_on_redis(settings.REDIS_URL, key, delta, timeout)
    return _count_in_cache(key, delta, timeout)


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    # One client per process: the cache API builds a new client object for every call, which cost
    # as much CPU as the round trip. The client's connection pool is thread-safe and fork-aware.
    return redis.Redis.from_url(url)


def _count_on_redis(url: str, key: str, delta: int, timeout: int) -> int:
    """INCRBY and EXPIRE in one MULTI: one round trip, never a key without expiry."""
    count, _ = _redis(url).pipeline(transaction=True).incrby(key, delta).expire(key, timeout).execute()
    return count


def _count_in_cache(key: str, delta: int, timeout: int) -> int:
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
        cache.set(key, count, timeout=timeout)
    return count
