"""The key sets Canvas Live Events are signed with: fetched, cached, refreshed when a new `kid` appears.

Instructure rotates its keys monthly and publishes previous, current and next, so a cached set
usually holds the key; an unknown `kid` fetches again at once, but after such a fetch the next
unknown `kid` waits REFETCH_SECONDS, so a flood of forged tokens cannot become a flood of requests.
"""

import threading
import time

import jwt
import requests

from .base import json_parse

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 10
MAX_RESPONSE_BYTES = 256 * 1024
TTL_SECONDS = 3600
REFETCH_SECONDS = 30

_cache: dict[str, tuple[float, jwt.PyJWKSet]] = {}
_missed_at: dict[str, float] = {}  # url -> when an unknown kid last made us fetch
_lock = threading.Lock()


class KeySetUnavailable(Exception):
    pass


def canvas_jwks_fetch(url: str) -> dict:
    """GET the key set. The one place Laurel's requests to a JWKS endpoint leave from."""
    try:
        with requests.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=True, allow_redirects=False) as response:
            body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise KeySetUnavailable(f"The key set at {url} did not answer ({exc.__class__.__name__}).") from None
    if response.status_code != 200 or len(body) > MAX_RESPONSE_BYTES:
        raise KeySetUnavailable(f"The key set at {url} answered HTTP {response.status_code}.")
    try:
        return json_parse(body)
    except ValueError:
        raise KeySetUnavailable(f"The key set at {url} is not JSON.") from None


def _keyset(data) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_dict(data)
    except (jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError, KeyError) as exc:
        raise KeySetUnavailable(f"The key set holds no usable key: {exc}.") from None


def _find(keyset: jwt.PyJWKSet, kid: str):
    for key in keyset.keys:
        if key.key_id == kid:
            return key
    return None


def jwks_key_for(*, url: str | None, inline: dict | None, kid: str, now: float | None = None):
    """The key with this `kid`, or None. Inline sets are read as they are; URLs through the cache."""
    if inline:
        return _find(_keyset(inline), kid)
    now = time.monotonic() if now is None else now
    with _lock:
        cached = _cache.get(url)
    if cached and now - cached[0] < TTL_SECONDS:
        key = _find(cached[1], kid)
        if key is not None:
            return key
        with _lock:
            if now - _missed_at.get(url, -REFETCH_SECONDS) < REFETCH_SECONDS:
                return None
            _missed_at[url] = now
    keyset = _keyset(canvas_jwks_fetch(url))
    with _lock:
        _cache[url] = (now, keyset)
    return _find(keyset, kid)


def jwks_cache_forget() -> None:
    with _lock:
        _cache.clear()
        _missed_at.clear()
