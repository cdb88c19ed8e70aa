"""Badgr / Canvas Credentials (API v2): an OAuth2 token (refreshed), an assertion on the mapped badge class, revoke.

Every answer comes in Badgr's envelope `{"status": {"success", "description"}, "result": [...]}`.
The reference read the open-source server; the hosted service may differ, hence `base_url`.
"""

import hashlib
import threading
import time

from ..connectors.setting_checks import url_check
from ..connectors.base import HOURS_OF_RETRIES, ISSUED, REVOKED, Connector, DeliveryRequest, Outcome, OutboundError, Setting, connector_register
from ..connectors.http import base_join, outbound_call

PRODUCTION = "https://api.badgr.io"
# Tokens per connection, in this process: {connection key: (access, refresh, expires at)}.
_tokens: dict[tuple, tuple[str, str, float]] = {}
_lock = threading.Lock()


def _token_key(settings: dict, secret: str) -> tuple:
    return settings["base_url"], settings["username"], hashlib.sha256(secret.encode()).hexdigest()


def _token_fetch(request, settings: dict, secret: str, *, refresh: str = "") -> str:
    form = ({"grant_type": "refresh_token", "refresh_token": refresh} if refresh else
            {"grant_type": "password", "username": settings["username"], "password": secret, "scope": "rw:issuer"})
    response = outbound_call(request, "POST", base_join(settings["base_url"], "o/token"), data=form, accept=(400, 401))
    if response.status != 200:
        if refresh:  # the refresh token is spent or revoked: start again with the password
            return _token_fetch(request, settings, secret)
        raise OutboundError(f"Badgr refused the username or password ({response.status}): {response.text[:300]}", permanent=True)
    token = response.json()
    with _lock:
        _tokens[_token_key(settings, secret)] = (token["access_token"], token.get("refresh_token", ""),
                                                 time.monotonic() + float(token.get("expires_in", 3600)) - 60)
    return token["access_token"]


def _token(request, settings: dict, secret: str, *, stale: str = "") -> str:
    with _lock:
        cached = _tokens.get(_token_key(settings, secret))
    if cached and cached[0] != stale and cached[2] > time.monotonic():
        return cached[0]
    return _token_fetch(request, settings, secret, refresh=cached[1] if cached else "")


def _call(request, settings: dict, secret: str, method: str, path: str, **kwargs):
    """A v2 call with a bearer token; a 401 (token expired early or revoked) refreshes it once."""
    url = base_join(settings["base_url"], path)
    token = _token(request, settings, secret)
    response = outbound_call(request, method, url, headers={"Authorization": f"Bearer {token}"}, accept=(400, 401, 404), **kwargs)
    if response.status == 401:
        token = _token(request, settings, secret, stale=token)
        response = outbound_call(request, method, url, headers={"Authorization": f"Bearer {token}"}, accept=(400, 404), **kwargs)
    return response


def _envelope(response, what: str) -> list:
    body = response.json()
    status = body.get("status", {})
    if response.status not in (200, 201) or not status.get("success"):
        errors = body.get("validationErrors") or body.get("fieldErrors") or status.get("description")
        raise OutboundError(f"Badgr refused {what} ({response.status}): {errors}", permanent=True)
    return body.get("result", [])


def _recipient_matches(assertion: dict, email: str) -> bool:
    recipient = assertion.get("recipient", {})
    if recipient.get("plaintextIdentity", "").lower() == email.lower():
        return True
    identity, salt = recipient.get("identity", ""), recipient.get("salt") or ""
    if identity.startswith("sha256$"):
        return identity == "sha256$" + hashlib.sha256((email.lower() + salt).encode()).hexdigest()
    return identity.lower() == email.lower()


def _outcome(assertion: dict, summary: str) -> Outcome:
    return Outcome(summary=f"{summary} (acceptance {assertion.get('acceptance', '?')}).", remote_id=assertion["entityId"],
                   remote_url=assertion.get("openBadgeId", ""))


@connector_register
class Badgr(Connector):
    kind, label, secret_label = "badgr", "Badgr", "the Badgr account's password"
    needs_mapping = True
    actions = {ISSUED, REVOKED}
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {
        "base_url": Setting(default=PRODUCTION, check=url_check, help="the API origin; Laurel adds /o/token and /v2/…"),
        "username": Setting(required=True, help="the Badgr account's email"),
    }

    def perform(self, request: DeliveryRequest) -> Outcome:
        if request.action == REVOKED:
            return self._revoke(request)
        if request.uncertain:
            found = self._find(request)
            if found is not None:
                return _outcome(found, "Found the assertion an earlier attempt created")
        data = request.payload["data"]
        body = {
            "recipient": {"identity": data["learner"]["email"], "type": "email", "hashed": True},
            "issuedOn": data["issued_at"], "notify": False, "allowDuplicateAwards": False,
            "narrative": f"Completed {data['course']['title']}" + (f" with {data['score']}." if data["score"] else "."),
            "evidence": [{"url": data["credential_url"], "narrative": "The credential's public page on Laurel."}],
        }
        if data["valid_until"]:
            body["expires"] = data["valid_until"]
        response = _call(request, request.settings, request.secret, "POST", f"v2/badgeclasses/{request.remote_template}/assertions", json=body)
        if response.status == 400:  # allowDuplicateAwards refused a second award: adopt the one that exists
            found = self._find(request)
            if found is not None:
                return _outcome(found, "Badgr already held this award; adopted it")
        return _outcome(_envelope(response, "the assertion")[0], "Issued on Badgr")

    def _find(self, request: DeliveryRequest) -> dict | None:
        email = request.payload["data"]["learner"]["email"]
        response = _call(request, request.settings, request.secret, "GET",
                         f"v2/badgeclasses/{request.remote_template}/assertions", params={"recipient": email})
        assertions = _envelope(response, "the assertion list")
        return next((a for a in assertions if not a.get("revoked") and _recipient_matches(a, email)), None)

    def _revoke(self, request: DeliveryRequest) -> Outcome:
        reason = request.payload["data"]["reason"] or "Revoked by the issuer."
        path = f"v2/assertions/{request.remote_id}"
        response = _call(request, request.settings, request.secret, "DELETE", path, json={"revocation_reason": reason})
        if response.status == 400:  # already revoked is the documented 400: check before calling it a failure
            current = _call(request, request.settings, request.secret, "GET", path)
            result = _envelope(current, "the assertion")
            if result and result[0].get("revoked"):
                return Outcome(summary="Already revoked on Badgr.", remote_id=request.remote_id)
        _envelope(response, "the revocation")
        return Outcome(summary="Revoked on Badgr.", remote_id=request.remote_id)

    def test(self, *, settings: dict, secret: str) -> str:
        issuers = _envelope(_call(None, settings, secret, "GET", "v2/issuers"), "the issuer list")
        return f"signed in as {settings['username']}; {len(issuers)} issuer(s) visible."
