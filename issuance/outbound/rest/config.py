"""A REST connection's document (the connection file): checked whole at save, templates rendered against a sample.

The document is the contract `connection_add --config` reads and `connection_export` writes:
auth, calls (one per event), success, permanent, external_id_path, rate_limit, mappings.
Every refusal names the key, what was received and what is valid.
"""

import json
from pathlib import Path

from courses.templating.sandbox import TemplateRefused, sandbox_render, template_validate

from ...outgoing.guard import TargetRefused, target_check
from ..connectors.base import ISSUED, REINSTATED, REVOKED, SUSPENDED
from .fields import field_spec, header_context, json_context, template_values, url_context

RENEWED = "credential.renewed"
EVENTS = [ISSUED, REVOKED, SUSPENDED, REINSTATED, RENEWED]
AUTH_TYPES = {
    "none": set(),
    "bearer": set(),
    "basic": {"username"},
    "header": {"name"},
    "query": {"name"},
    "oauth2_client_credentials": {"token_url", "client_id", "scopes", "client_auth"},
}
AUTH_REQUIRED = {"basic": {"username"}, "header": {"name"}, "query": {"name"}, "oauth2_client_credentials": {"token_url", "client_id"}}
METHODS = ("POST", "PUT", "PATCH", "DELETE", "GET")
KEYS = ("auth", "calls", "success", "permanent", "external_id_path", "rate_limit", "mappings")
DEFAULT_SUCCESS = [200, 201, 202, 204]
SECRET_LABEL = "the token, password, API key or OAuth 2.0 client secret (none for auth type none)"

SAMPLE_PAYLOAD = {
    "type": ISSUED,
    "data": {
        "credential_id": "3f1c2b9e-5d4a-4c1b-9e8f-0a1b2c3d4e5f", "status": "active", "reason": "",
        "credential_url": "https://laurel.example/credentials/3f1c2b9e-5d4a-4c1b-9e8f-0a1b2c3d4e5f",
        "issued_at": "2026-12-07T08:15:00+00:00", "valid_from": "2026-12-07T08:15:00+00:00",
        "valid_until": "2028-12-07T08:15:00+00:00",
        # Quotes, a backslash and an accent: a body that does not quote its values is refused at save.
        "learner": {"id": "42", "name": "Zoë \"Ana\" O'Neil \\ Lima", "first_name": "Zoë \"Ana\" O'Neil \\",
                    "last_name": "Lima", "email": "zoe.lima@learners.example"},
        "achievement": {"id": "7", "name": "First Aid & Safety"},
        "course": {"code": "FA-101", "title": "First Aid <Level 1>"},
        "score": "86",
        "organization": "academy",
    },
    "facts": {
        "pdf_url": "https://laurel.example/credentials/3f1c2b9e-5d4a-4c1b-9e8f-0a1b2c3d4e5f.pdf",
        "json_url": "https://laurel.example/credentials/3f1c2b9e-5d4a-4c1b-9e8f-0a1b2c3d4e5f.json",
        "openbadge": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "OpenBadgeCredential"],
                      "credentialSubject": {"achievement": {"name": "First Aid & Safety"}}},
        "renews": "",
        "external_ids": {"credly": "b7e1c0de-0000-4000-8000-000000000001"},
    },
}


class RestConfigError(ValueError):
    """The document cannot be used; the message says where and why."""


def _statuses(value, key: str) -> list[int]:
    if not isinstance(value, list) or not value or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in value):
        raise RestConfigError(f"{key} must be a non-empty list of HTTP statuses (100-599), e.g. [200, 201]; got {json.dumps(value)[:200]}.")
    return sorted(set(value))


def _auth_clean(auth) -> dict:
    if auth is None:
        auth = {"type": "none"}
    if not isinstance(auth, dict) or auth.get("type") not in AUTH_TYPES:
        got = auth.get("type") if isinstance(auth, dict) else auth
        raise RestConfigError(f"auth.type must be one of {', '.join(AUTH_TYPES)}; got {json.dumps(got)[:100]}.")
    kind = auth["type"]
    unknown = sorted(set(auth) - AUTH_TYPES[kind] - {"type"})
    if unknown:
        secret_words = {"secret", "password", "token", "client_secret", "key", "value", "api_key"}
        hint = " The secret is never in the file: give it with --secret (or the admin's secret box)." if set(unknown) & secret_words else ""
        raise RestConfigError(f"auth of type {kind} has no key {', '.join(unknown)}; its keys are: "
                              f"{', '.join(['type', *sorted(AUTH_TYPES[kind])])}.{hint}")
    missing = sorted(key for key in AUTH_REQUIRED.get(kind, ()) if not str(auth.get(key) or "").strip())
    if missing:
        raise RestConfigError(f"auth of type {kind} needs {', '.join(missing)}.")
    cleaned = {"type": kind}
    for key in sorted(AUTH_TYPES[kind]):
        if key in auth:
            cleaned[key] = auth[key]
    if kind in ("header", "query") and not _token_like(cleaned["name"]):
        raise RestConfigError(f"auth.name must be a header or parameter name (letters, digits, - and _); got {json.dumps(cleaned['name'])[:100]}.")
    if kind == "oauth2_client_credentials":
        try:
            target_check(cleaned["token_url"])
        except TargetRefused as exc:
            raise RestConfigError(f"auth.token_url: {exc}") from None
        scopes = cleaned.setdefault("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) and s and " " not in s for s in scopes):
            raise RestConfigError(f"auth.scopes must be a list of scope names without spaces; got {json.dumps(scopes)[:200]}.")
        if cleaned.get("client_auth", "basic") not in ("basic", "body"):
            raise RestConfigError(f"auth.client_auth must be basic (HTTP Basic, the default) or body; got {json.dumps(cleaned['client_auth'])[:50]}.")
    return cleaned


def _token_like(name) -> bool:
    return isinstance(name, str) and bool(name) and all(c.isalnum() or c in "-_" for c in name)


def _mappings_clean(mappings) -> dict:
    if mappings is None:
        return {}
    if not isinstance(mappings, dict) or not all(
            isinstance(values, dict) and all(isinstance(k, str) and k.isidentifier() and isinstance(v, (str, int)) for k, v in values.items())
            for values in mappings.values()):
        raise RestConfigError('mappings must map a course code to an object of names and text values, e.g. {"FA-101": {"template": "abc"}}; '
                              f"got {json.dumps(mappings)[:200]}.")
    return {str(code): {k: str(v) for k, v in values.items()} for code, values in mappings.items()}


def mapping_keys(config: dict) -> frozenset:
    return frozenset(key for values in (config.get("mappings") or {}).values() for key in values)


def _template_check(where: str, source, spec: dict) -> str:
    if not isinstance(source, str):
        raise RestConfigError(f"{where} must be text (a template); got {json.dumps(source)[:100]}.")
    problems = template_validate(source, fields=spec)
    if problems:
        raise RestConfigError(f"{where}: " + " ".join(problems))
    return source


def _call_clean(event: str, call, spec: dict) -> dict:
    where = f"calls[{event!r}]"
    if not isinstance(call, dict):
        raise RestConfigError(f"{where} must be an object with method, url, headers and body; got {json.dumps(call)[:100]}.")
    unknown = sorted(set(call) - {"method", "url", "headers", "body"})
    if unknown:
        raise RestConfigError(f"{where} has no key {', '.join(unknown)}; its keys are: method, url, headers, body.")
    method = str(call.get("method") or "POST").upper()
    if method not in METHODS:
        raise RestConfigError(f"{where}.method must be one of {', '.join(METHODS)}; got {json.dumps(call.get('method'))[:50]}.")
    if not str(call.get("url") or "").strip():
        raise RestConfigError(f"{where} needs a url.")
    url = call["url"].strip() if isinstance(call["url"], str) else call["url"]  # not text: refused by name below
    cleaned = {"method": method, "url": _template_check(f"{where}.url", url, spec)}
    headers = call.get("headers") or {}
    if not isinstance(headers, dict) or not all(_token_like(name) for name in headers):
        raise RestConfigError(f"{where}.headers must map header names to text; got {json.dumps(headers)[:200]}.")
    if headers:
        cleaned["headers"] = {name: _template_check(f"{where}.headers[{name!r}]", value, spec) for name, value in headers.items()}
    body = call.get("body")
    if body not in (None, ""):
        if method in ("GET",):
            raise RestConfigError(f"{where}: a GET call sends no body.")
        cleaned["body"] = _template_check(f"{where}.body", body, spec)
    return cleaned


def rest_config_clean(config: dict) -> dict:
    """The document as stored: defaults filled in, every template rendered against a sample credential.

    Raises RestConfigError naming what is wrong. A body must render to valid JSON for the sample
    (whose learner name holds quotes and a backslash), so a value written outside quotes, or a
    quote left open, is refused here rather than at the first learner's delivery.
    """
    if not isinstance(config, dict):
        raise RestConfigError(f"The connection file must be a JSON object; got {json.dumps(config)[:100]}.")
    unknown = sorted(set(config) - set(KEYS))
    if unknown:
        raise RestConfigError(f"A rest connection has no key {', '.join(map(repr, unknown))}; its keys are: {', '.join(KEYS)}.")
    cleaned = {"auth": _auth_clean(config.get("auth"))}
    cleaned["mappings"] = _mappings_clean(config.get("mappings"))
    spec = field_spec(mapping_keys=mapping_keys(cleaned))
    calls = config.get("calls")
    if not isinstance(calls, dict) or not calls:
        raise RestConfigError(f"calls must name at least one event ({', '.join(EVENTS)}) with its call; got {json.dumps(calls)[:200]}.")
    wrong = sorted(set(calls) - set(EVENTS))
    if wrong:
        raise RestConfigError(f"calls has no event {', '.join(map(repr, wrong))}; the events are: {', '.join(EVENTS)}.")
    cleaned["calls"] = {event: _call_clean(event, calls[event], spec) for event in EVENTS if event in calls}
    cleaned["success"] = _statuses(config.get("success", DEFAULT_SUCCESS), "success")
    if "permanent" in config:
        cleaned["permanent"] = _statuses(config["permanent"], "permanent")
        both = sorted(set(cleaned["permanent"]) & set(cleaned["success"]))
        if both:
            raise RestConfigError(f"{', '.join(map(str, both))} cannot be both success and permanent.")
    path = config.get("external_id_path") or ""
    if not isinstance(path, str) or (path and not all(part for part in path.split("."))):
        raise RestConfigError(f"external_id_path must be a dotted path in the answer, e.g. data.id; got {json.dumps(path)[:100]}.")
    if path:
        cleaned["external_id_path"] = path
    rate = config.get("rate_limit")
    if rate is not None:
        if (not isinstance(rate, dict) or set(rate) != {"requests", "per_seconds"}
                or not all(isinstance(rate[k], int) and not isinstance(rate[k], bool) and rate[k] > 0 for k in rate)):
            raise RestConfigError(f'rate_limit must be {{"requests": N, "per_seconds": S}} with whole numbers above 0; got {json.dumps(rate)[:200]}.')
        cleaned["rate_limit"] = {"requests": rate["requests"], "per_seconds": rate["per_seconds"]}
    for event, call in cleaned["calls"].items():
        _sample_check(event, call, cleaned)
    return cleaned


def _sample_check(event: str, call: dict, config: dict) -> None:
    mapping = next(iter(config["mappings"].values()), {})
    values = template_values(payload=SAMPLE_PAYLOAD, action=event, external_id="ext-123", mapping=mapping,
                             idempotency_key="outbound:1:credential.issued:sample")
    try:
        rendered = call_render(call, values, config)
    except TemplateRefused as exc:
        raise RestConfigError(f"calls[{event!r}] cannot be rendered for a sample credential: {exc}") from None
    except Exception as exc:  # whatever else a template can raise while rendering is a refusal, not a crash
        raise RestConfigError(f"calls[{event!r}] cannot be rendered for a sample credential: {type(exc).__name__}: {exc}") from None
    try:
        target_check(rendered["url"])
    except TargetRefused as exc:
        raise RestConfigError(f"calls[{event!r}].url renders to an address Laurel may not call for a sample credential: {exc}") from None
    if "body" in rendered:
        try:
            json.loads(rendered["body"])
        except ValueError as exc:
            raise RestConfigError(f"calls[{event!r}].body is not valid JSON for a sample credential ({exc}); put text fields inside "
                                  f"quotes (\"{{{{ learner.name }}}}\"), openbadge_json without. It rendered: {rendered['body'][:300]}") from None


def call_render(call: dict, values: dict, config: dict) -> dict:
    """The call's URL, headers and body for these values; raises TemplateRefused (permanent: the same data fails again)."""
    spec = field_spec(mapping_keys=mapping_keys(config))
    rendered = {"method": call["method"], "url": sandbox_render(call["url"], url_context(values), fields=spec, autoescape=False).strip(),
                "headers": {name: sandbox_render(value, header_context(values), fields=spec, autoescape=False).strip()
                            for name, value in (call.get("headers") or {}).items()}}
    if call.get("body"):
        rendered["body"] = sandbox_render(call["body"], json_context(values), fields=spec, autoescape=False)
    return rendered


PRESETS = Path(__file__).resolve().parent / "presets"


def rest_presets() -> dict[str, dict]:
    """The shipped presets by name: each has `about`, `secret` (what to give as the secret) and `config`."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(PRESETS.glob("*.json"))}
