"""The `rest` kind: any system with an HTTP API, configured by a document instead of code.

One call per event (method, URL, headers, JSON body, all templates rendered by the certificate
sandbox), an auth type, which statuses succeed and which are permanent failures, and where in the
answer the system's id for the record is (kept on the delivery row and offered to later calls as
`external_id`: the revoke call uses the id the issue call stored). Delivery rows, retries,
idempotency keys, audit and the outgoing-request guard are the outbound seam's, as for every kind.
"""

import json
from urllib.parse import urlencode, urlsplit, urlunsplit

from courses.templating.sandbox import TemplateRefused

from ..connectors.base import (
    HOURS_OF_RETRIES, ISSUED, REINSTATED, REVOKED, SUSPENDED, WEBHOOK, Connector, DeliveryRequest, Outcome, OutboundError,
    connector_register,
)
from ..connectors.http import outbound_call, response_summary
from ...outgoing.http import retry_after_seconds
from .auth import MASK, auth_apply, oauth2_forget, oauth2_token
from .config import RENEWED, SECRET_LABEL, RestConfigError, call_render, rest_config_clean
from .fields import template_values

TRANSIENT_4XX = (408, 429)


def _permanent(config: dict, status: int) -> bool:
    if "permanent" in config:
        return status in config["permanent"]
    return 400 <= status < 500 and status not in TRANSIENT_4XX


def external_id_at(answer, path: str) -> str | None:
    """The value at a dotted path (data.id, items.0.id) of a JSON answer, as text; None where there is none."""
    value = answer
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def call_for(config: dict, action: str, payload: dict) -> tuple[str, dict] | None:
    """The configured call for this event: a renewal is the new credential's `credential.issued`, sent by the
    `credential.renewed` call when there is one."""
    calls = config["calls"]
    if action == ISSUED and (payload.get("facts") or {}).get("renews") and RENEWED in calls:
        return RENEWED, calls[RENEWED]
    return (action, calls[action]) if action in calls else None


def request_build(*, config: dict, secret: str, action: str, payload: dict, external_id: str, idempotency_key: str,
                  token: str = "", masked: bool = False) -> dict | None:
    """The exact request for this event: method, url (with any query credentials), headers, body. None: no call for it."""
    found = call_for(config, action, payload)
    if found is None:
        return None
    event, call = found
    course = (payload.get("data") or {}).get("course", {}).get("code", "")
    values = template_values(payload=payload, action=event, external_id=external_id,
                             mapping=(config.get("mappings") or {}).get(course, {}), idempotency_key=idempotency_key)
    try:
        rendered = call_render(call, values, config)
    except TemplateRefused as exc:
        raise OutboundError(f"The {event} call could not be rendered: {exc}", permanent=True) from None
    except Exception as exc:  # the same template and data fail the same way on every attempt
        raise OutboundError(f"The {event} call could not be rendered: {type(exc).__name__}: {exc}", permanent=True) from None
    headers = dict(rendered["headers"])
    if "body" in rendered:
        try:
            json.loads(rendered["body"])
        except ValueError as exc:
            raise OutboundError(f"The {event} call's body is not valid JSON for this credential ({exc}); nothing was sent.",
                                permanent=True) from None
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
    params: dict = {}
    auth_apply(config["auth"], secret, headers=headers, params=params, token=token, masked=masked)
    url = rendered["url"]
    if params:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, urlencode(params)]))))
    return {"event": event, "method": rendered["method"], "url": url, "headers": headers, "body": rendered.get("body")}


def request_text(built: dict) -> str:
    """The request as staff read it in "Send a test" (build it with masked=True: no secret in it)."""
    lines = [f"{built['method']} {built['url']}", *(f"{name}: {value}" for name, value in built["headers"].items())]
    if built.get("body") is not None:
        lines += ["", built["body"]]
    return "\n".join(lines)


@connector_register
class RestConnector(Connector):
    kind, label, secret_label = "rest", "REST API", SECRET_LABEL
    stage = WEBHOOK  # step 7, queued for the workers: after the badge platforms, whose ids it may send
    actions = {ISSUED, REVOKED, SUSPENDED, REINSTATED}
    wants_facts = True
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {}

    def settings_clean(self, settings: dict) -> dict:
        try:
            return rest_config_clean(settings)
        except RestConfigError as exc:
            raise ValueError(str(exc)) from None

    def secret_needed(self, settings: dict) -> bool:
        return (settings.get("auth") or {}).get("type", "none") != "none"

    def subscribed(self, settings: dict, action: str) -> bool:
        calls = settings.get("calls") or {}
        return action in calls or (action == ISSUED and RENEWED in calls)

    def follows_issue(self, settings: dict) -> bool:
        """Later calls wait for the issue call's external id when the issue call stores one."""
        return ISSUED in (settings.get("calls") or {}) and bool(settings.get("external_id_path"))

    def perform(self, request: DeliveryRequest) -> Outcome:
        auth = request.settings["auth"]
        if call_for(request.settings, request.action, request.payload) is None:
            return Outcome(summary=f"No call is configured for {request.action}.", remote_id=request.remote_id, skipped=True)
        token = oauth2_token(request, auth, request.secret) if auth["type"] == "oauth2_client_credentials" else ""
        built = self._build(request, token)
        response = self._send(request, built)
        if response.status == 401 and auth["type"] == "oauth2_client_credentials":  # the token may have been revoked: once more
            oauth2_forget(auth, request.secret)
            built = self._build(request, oauth2_token(request, auth, request.secret, stale=token))
            response = self._send(request, built)
        return self._outcome(request, built, response)

    def _build(self, request: DeliveryRequest, token: str) -> dict | None:
        return request_build(config=request.settings, secret=request.secret, action=request.action, payload=request.payload,
                             external_id=request.remote_id, idempotency_key=request.idempotency_key, token=token)

    def _send(self, request: DeliveryRequest | None, built: dict):
        body = built["body"].encode("utf-8") if built.get("body") is not None else None
        response = outbound_call(request, built["method"], built["url"], headers=built["headers"], data=body,
                                 ok=(), accept=range(100, 600))
        if request is not None:
            request.last_response = response  # for "Send a test", which shows the answer
        return response

    def _outcome(self, request: DeliveryRequest | None, built: dict, response) -> Outcome:
        config = request.settings
        host = urlsplit(built["url"]).hostname
        summary = f"{built['event']}: {built['method']} {host} answered {response.status}"
        if response.status not in config["success"]:
            detail = f"{summary}: {response_summary(response, limit=500)}"
            if _permanent(config, response.status):
                raise OutboundError(detail, permanent=True, status=response.status)
            raise OutboundError(detail, permanent=False, status=response.status,
                                retry_after=retry_after_seconds(response.headers.get("retry-after")))
        remote_id = request.remote_id
        path = config.get("external_id_path")
        if path and built["event"] in (ISSUED, RENEWED):
            try:
                found = external_id_at(response.json(), path) if response.body else None
            except ValueError:
                found = None
            if not found:
                raise OutboundError(f"{summary} but its answer has no {path}, so later calls could not name the record: "
                                    f"{response_summary(response, limit=300)}. Check external_id_path.", permanent=True,
                                    status=response.status)
            remote_id = found
        elif path and response.body:
            try:
                remote_id = external_id_at(response.json(), path) or remote_id
            except ValueError:
                pass
        return Outcome(summary=summary + ".", remote_id=remote_id or "")

    def test(self, *, settings: dict, secret: str) -> str:
        auth = settings["auth"]
        if auth["type"] == "oauth2_client_credentials":
            oauth2_forget(auth, secret)
            oauth2_token(None, auth, secret)
            return f"the token URL issued a token for client {auth['client_id']!r}. Send a test call for a credential from the connection's page."
        return "the settings are valid. Send a test call for a credential from the connection's page (nothing harmless can be sent without one)."


def rest_test_request(*, settings: dict, action: str, payload: dict, external_id: str = "") -> str:
    """The request "Send a test" would make, secrets masked; '' when no call is configured for the event."""
    built = request_build(config=settings, secret=MASK, action=action, payload=payload, external_id=external_id,
                          idempotency_key="test", masked=True)
    return request_text(built) if built else ""


def rest_test_send(*, settings: dict, secret: str, action: str, payload: dict, external_id: str = "") -> str:
    """Make the call for real (no delivery row); the answer as staff read it."""
    connector = RestConnector()
    request = DeliveryRequest(action=action, settings=settings, secret=secret, payload=payload, connection_id=0,
                              remote_id=external_id, idempotency_key="test")
    try:
        outcome = connector.perform(request)
        result = f"OK: {outcome.summary}" + (f" Its id for the record: {outcome.remote_id}." if outcome.remote_id else "")
    except OutboundError as exc:
        result = f"Failed ({'permanent' if exc.permanent else 'would be retried'}): {exc}"
    lines = [result, "", "Calls:", *request.calls]
    response = getattr(request, "last_response", None)
    if response is not None:
        lines += ["", f"Answer: HTTP {response.status}", *(f"{name}: {value}" for name, value in response.headers.items()),
                  "", response.text[:4000]]
    return "\n".join(lines)

