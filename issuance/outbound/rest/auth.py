"""How a REST call carries its credentials: none, bearer, Basic, a named header or query parameter, or an OAuth 2.0 token.

The OAuth 2.0 client-credentials token (RFC 6749 §4.4) is kept in this process until its
`expires_in` runs out (less a margin) and fetched again once when a call answers 401.
"""

import base64
import hashlib
import threading
import time
from urllib.parse import quote

from ..connectors.base import OutboundError
from ..connectors.http import outbound_call, response_summary

MASK = "••••••"
DEFAULT_LIFETIME = 300  # seconds, for a token answer without expires_in
_tokens: dict[tuple, tuple[str, float]] = {}
_lock = threading.Lock()


def _key(auth: dict, secret: str) -> tuple:
    return (auth["token_url"], auth["client_id"], " ".join(auth.get("scopes") or []), hashlib.sha256(secret.encode()).hexdigest())


def oauth2_token(request, auth: dict, secret: str, *, stale: str = "") -> str:
    """The cached token, or a new one from the token URL (also when the cached one is `stale`: it was refused)."""
    key = _key(auth, secret)
    with _lock:
        cached = _tokens.get(key)
    if cached and cached[0] != stale and cached[1] > time.monotonic():
        return cached[0]
    form = {"grant_type": "client_credentials"}
    if auth.get("scopes"):
        form["scope"] = " ".join(auth["scopes"])
    headers = {"Accept": "application/json"}
    if auth.get("client_auth", "basic") == "body":
        form.update(client_id=auth["client_id"], client_secret=secret)
    else:  # RFC 6749 §2.3.1: the client id and secret, form-encoded, as HTTP Basic
        pair = f"{quote(auth['client_id'], safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    response = outbound_call(request, "POST", auth["token_url"], data=form, headers=headers, ok=(200,), accept=range(400, 500))
    if response.status != 200:
        raise OutboundError(f"The token URL refused the client id or secret ({response.status}): {response_summary(response, limit=300)}. "
                            "Check the client id and the secret.", permanent=response.status not in (408, 429), status=response.status)
    try:
        answer = response.json()
        token = answer["access_token"]
        lifetime = float(answer.get("expires_in") or DEFAULT_LIFETIME)
    except (ValueError, KeyError, TypeError):
        raise OutboundError(f"The token URL answered 200 without an access_token: {response_summary(response, limit=300)}", permanent=True) from None
    margin = min(30.0, lifetime / 10)  # fetched again a little before it runs out, not after a refused call
    with _lock:
        _tokens[key] = (token, time.monotonic() + lifetime - margin)
    return token


def oauth2_forget(auth: dict, secret: str) -> None:
    with _lock:
        _tokens.pop(_key(auth, secret), None)


def auth_apply(auth: dict, secret: str, *, headers: dict, params: dict, token: str = "", masked: bool = False) -> None:
    """Add the credentials to `headers` / `params` (in place); `masked` shows where they go without them."""
    kind = auth["type"]
    shown = MASK if masked else secret
    if kind == "bearer":
        headers["Authorization"] = f"Bearer {shown}"
    elif kind == "basic":
        pair = f"{auth['username']}:{secret}"
        headers["Authorization"] = f"Basic {MASK}" if masked else "Basic " + base64.b64encode(pair.encode()).decode()
    elif kind == "header":
        headers[auth["name"]] = shown
    elif kind == "query":
        params[auth["name"]] = shown
    elif kind == "oauth2_client_credentials":
        headers["Authorization"] = f"Bearer {MASK if masked else token}"
