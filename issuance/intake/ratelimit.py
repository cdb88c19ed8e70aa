"""Per-source webhook rate limit, counted in the shared cache so every web process sees one count."""

import functools
import time

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction

from ..models import Source

WINDOW_SECONDS = 60
KEY_TIMEOUT = WINDOW_SECONDS * 2


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    # One client per process: the cache API builds a new client object for every call, which cost
    # as much CPU as the round trip. The client's connection pool is thread-safe and fork-aware.
    return redis.Redis.from_url(url)


def _count_on_redis(url: str, key: str) -> int:
    """INCR and EXPIRE in one MULTI: one round trip (add() then incr() took three), never a key without expiry."""
    count, _ = _redis(url).pipeline(transaction=True).incr(key).expire(key, KEY_TIMEOUT).execute()
    return count


def _count_in_database(cache: DatabaseCache, key: str) -> int:
    """Read and write the count in one transaction (add() then incr() took two).

    On SQLite the transaction takes the write lock before the read (BEGIN IMMEDIATE), so two
    processes never read the same count; on other databases the count is approximate under races.
    """
    with transaction.atomic(using=router.db_for_write(cache.cache_model_class)):
        count = cache.get(key, 0) + 1
        cache.set(key, count, timeout=KEY_TIMEOUT)
    return count


def _count_elsewhere(cache, key: str) -> int:
    cache.add(key, 0, timeout=KEY_TIMEOUT)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=KEY_TIMEOUT)
        return 1


def source_rate_limit_exceeded(*, source: Source, now: float | None = None) -> int | None:
    """Count this request; return the seconds until the window resets if the source is over its limit.

    A fixed one-minute window: simple, and a sender told to retry after it loses nothing.
    """
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"laurel:webhook-rate:{source.pk}:{window}"
    cache = caches[DEFAULT_CACHE_ALIAS]
    if settings.REDIS_URL:  # the shared cache is Redis (settings.py), so the count lives there too
        count = _count_on_redis(settings.REDIS_URL, key)
    elif isinstance(cache, DatabaseCache):
        count = _count_in_database(cache, key)
    else:
        count = _count_elsewhere(cache, key)
    if count > source.rate_limit_per_minute:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None
