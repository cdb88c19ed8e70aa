"""The key sets Canvas Live Events are signed with: fetched, cached, refreshed when a new `kid` appears.

Instructure rotates its keys monthly and publishes previous, current and next, so a cached set
usually holds the key; an unknown `kid` fetches again at once, but after such a fetch the next
unknown `kid` waits REFETCH_SECONDS, so a flood of forged tokens cannot become a flood of requests.
The fetch goes through the outgoing-request guard (https only, no private address unless
LAUREL_ALLOW_PRIVATE_TARGETS=1, checked again on each of up to three redirects).
"""

import threading
import time

import jwt

from ...outgoing.guard import OutboundRequestError, TargetRefused, guarded_request
from ..base import json_parse

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
        response = guarded_request("GET", url, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                                   max_bytes=MAX_RESPONSE_BYTES, follow_redirects=True)
    except TargetRefused as exc:
        raise KeySetUnavailable(f"Laurel may not fetch jwks_url: {exc} Set jwks_url to Instructure's public https address.") from None
    except OutboundRequestError as exc:
        raise KeySetUnavailable(f"The key set at {url} did not answer ({exc}).") from None
    if response.status != 200:
        raise KeySetUnavailable(f"The key set at {url} answered HTTP {response.status}.")
    try:
        return json_parse(response.body)
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
