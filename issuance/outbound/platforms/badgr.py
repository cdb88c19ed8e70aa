"""Badgr / Canvas Credentials (API v2): an OAuth2 token (password or client-credentials grant), an assertion on the mapped badge class, revoke.

Every answer comes in Badgr's envelope `{"status": {"success", "description"}, "result": [...]}`.
The reference read the open-source server; a real one was met too (real-systems.md §7), and the
hosted service may differ, hence `base_url`.
"""

import hashlib
import threading
import time

from ..connectors.setting_checks import rate_limit_setting, url_check
from ..connectors.base import HOURS_OF_RETRIES, ISSUED, REVOKED, Connector, DeliveryRequest, Outcome, OutboundError, Setting, SettingsRuleError, connector_register
from ..connectors.http import base_join, outbound_call, response_summary

PRODUCTION = "https://api.badgr.io"
PASSWORD, CLIENT_CREDENTIALS = "password", "client_credentials"
# Roles on an issuer that may award its badge classes; "staff" may only look.
AWARDING_ROLES = {"owner", "editor"}
# Tokens per connection, in this process: {connection key: (access, refresh, expires at)}.
_tokens: dict[tuple, tuple[str, str, float]] = {}
_lock = threading.Lock()


def _grant_check(value: str) -> None:
    if value not in (PASSWORD, CLIENT_CREDENTIALS):
        raise ValueError(f"must be {PASSWORD!r} or {CLIENT_CREDENTIALS!r}, not {value!r}")


def _token_key(settings: dict, secret: str) -> tuple:
    return (settings["base_url"], settings.get("grant", PASSWORD), settings.get("username", ""), settings.get("client_id", ""),
            hashlib.sha256(secret.encode()).hexdigest())


def _token_forget(settings: dict, secret: str, token: str) -> None:
    """Drop the cached token if it is still `token`: the next call signs in again."""
    with _lock:
        key = _token_key(settings, secret)
        if key in _tokens and _tokens[key][0] == token:
            del _tokens[key]


def _grant_form(settings: dict, secret: str) -> dict:
    if settings.get("grant") == CLIENT_CREDENTIALS:
        return {"grant_type": CLIENT_CREDENTIALS, "client_id": settings["client_id"], "client_secret": secret, "scope": "rw:issuer"}
    return {"grant_type": PASSWORD, "username": settings["username"], "password": secret, "scope": "rw:issuer"}


def _token_fetch(request, settings: dict, secret: str, *, refresh: str = "") -> str:
    form = {"grant_type": "refresh_token", "refresh_token": refresh} if refresh else _grant_form(settings, secret)
    response = outbound_call(request, "POST", base_join(settings["base_url"], "o/token"), data=form, accept=(400, 401))
    if response.status != 200:
        if refresh:  # spent or revoked, or (a real server) never honoured for a password token: sign in again
            return _token_fetch(request, settings, secret)
        what = ("the client id or secret" if settings.get("grant") == CLIENT_CREDENTIALS
                else "the username or password")
        raise OutboundError(f"Badgr refused {what} ({response.status}): {response_summary(response)}", permanent=True,
                            status=response.status)
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
    """A v2 call with a bearer token; a 401 (token expired early or revoked) refreshes it once.

    Any other failure that could be the token's (403, or a 5xx: a real server answered 500 for a
    token it had dropped) forgets the cached token, so the next attempt signs in afresh instead of
    failing until the token's own expiry.
    """
    url = base_join(settings["base_url"], path)
    token = _token(request, settings, secret)
    try:
        response = outbound_call(request, method, url, headers={"Authorization": f"Bearer {token}"}, accept=(400, 401, 404), **kwargs)
        if response.status == 401:
            token = _token(request, settings, secret, stale=token)
            response = outbound_call(request, method, url, headers={"Authorization": f"Bearer {token}"}, accept=(400, 404), **kwargs)
    except OutboundError as exc:
        if exc.status is not None and (exc.status in (401, 403) or exc.status >= 500):
            _token_forget(settings, secret, token)
        raise
    return response


def _envelope(response, what: str) -> list:
    try:
        body = response.json()
    except ValueError:  # an HTML error page where the envelope should be
        raise OutboundError(f"Badgr answered {what} with {response.status}: {response_summary(response)}",
                            permanent=response.status < 500, status=response.status) from None
    status = body.get("status", {}) if isinstance(body, dict) else {}
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
    kind, label = "badgr", "Badgr"
    secret_label = "the Badgr account's password, or with grant=client_credentials the OAuth client's secret"
    needs_mapping = True
    actions = {ISSUED, REVOKED}
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {
        "base_url": Setting(default=PRODUCTION, check=url_check, help="the API origin; Laurel adds /o/token and /v2/…"),
        "grant": Setting(default=PASSWORD, check=_grant_check, choices=(PASSWORD, CLIENT_CREDENTIALS),
                         help=f"how Laurel signs in: {PASSWORD!r} (username + password) or {CLIENT_CREDENTIALS!r} (client_id + client secret)"),
        "username": Setting(help="the Badgr account's email (grant=password)"),
        "client_id": Setting(help="the OAuth client's id made in Badgr (grant=client_credentials)"),
        "rate_limit": rate_limit_setting(),
    }

    @staticmethod
    def settings_check(settings: dict) -> None:
        needed = "client_id" if settings.get("grant") == CLIENT_CREDENTIALS else "username"
        if not settings.get(needed):
            raise SettingsRuleError(f"needs the setting {needed!r} with grant={settings.get('grant', PASSWORD)!r}", setting=needed)

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
        who = settings.get("client_id") if settings.get("grant") == CLIENT_CREDENTIALS else settings.get("username")
        return f"signed in as {who}; {len(issuers)} issuer(s) visible."

    def mappings_check(self, *, settings: dict, secret: str, mappings: dict[str, str]) -> list[str]:
        """Each mapped badge class exists and this account may award it: Badgr says neither until the first award.

        A badge class the account cannot see answers 404; one on an issuer where the account is only
        "staff" is refused when awarding. Returns one line per wrong mapping, naming it.
        """
        me = _envelope(_call(None, settings, secret, "GET", "v2/users/self"), "the signed-in user")
        my_id = me[0].get("entityId") if me else None
        issuers = {i.get("entityId"): i for i in _envelope(_call(None, settings, secret, "GET", "v2/issuers"), "the issuer list")}
        problems = []
        for achievement, badgeclass_id in mappings.items():
            response = _call(None, settings, secret, "GET", f"v2/badgeclasses/{badgeclass_id}")
            if response.status == 404:
                problems.append(f"{achievement} → badge class {badgeclass_id!r}: not found on Badgr, or this account cannot see it.")
                continue
            badgeclass = _envelope(response, f"badge class {badgeclass_id!r}")[0]
            issuer = issuers.get(badgeclass.get("issuer"))
            roles = {s.get("role") for s in (issuer or {}).get("staff", []) if s.get("userProfile") == my_id}
            if not roles & AWARDING_ROLES:
                held = "/".join(sorted(r for r in roles if r)) or "no role"
                problems.append(f"{achievement} → badge class {badgeclass_id!r}: this account has {held} on its issuer "
                                f"{badgeclass.get('issuer')!r}; awarding needs owner or editor.")
        return problems
