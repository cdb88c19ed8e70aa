"""Docebo's `course.enrollment.completed` webhook, with the learner's email, name and score asked of Docebo's API.

    {"webhook_id": 12, "original_domain": "academy.example.docebosaas.com", "event": "course.enrollment.completed",
     "message_id": "wh-20261114-100203-5bf0ce52", "fired_by_batch_action": false,
     "payload": {"fired_at": "2026-11-14 10:02:03", "user_id": 13021, "username": "ana@example.org", "course_id": 211,
                 "course_name": "Safety 101", "completion_date": "2026-11-14 10:01:59", "status": "completed"}}

The event carries ids only: in the worker, Laurel takes an OAuth2 token (client credentials) and reads
the user and the enrollment. How Docebo authenticates a delivery is unconfirmed, so it is a setting:
HTTP Basic (the default), a token in a header, or a hex HMAC of the body (docs/lms/docebo.md).
"""

import base64
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..outgoing.guard import OutboundRequestError, TargetRefused, guarded_request
from .base import (
    AuthenticationFailed, CandidateCompletion, Dialect, EnrichmentFailed, FieldError, IncomingEvent, NotACompletion,
    derived_event_id, digest_matches, json_body, json_parse, source_setting,
)
from .settings_schema import Setting, SettingsError
from .signatures import hmac_digest

EVENT = "course.enrollment.completed"
DOCEBO_TIME = "%Y-%m-%d %H:%M:%S"


def docebo_completion_key(event) -> str:
    """Who completed which course when, as a webhook's event and a polled enrollment (docebo_poll.py) both
    say it: the key a poll looks its webhook copy up by. Empty when the event does not say all three."""
    payload = event.get("payload") if isinstance(event, dict) else None
    parts = [payload.get(name) for name in ("user_id", "course_id", "completion_date")] if isinstance(payload, dict) else [None]
    if any(part in (None, "") or isinstance(part, (dict, list)) for part in parts):
        return ""
    return derived_event_id("docebo", *parts)


class DoceboDialect(Dialect):
    name = "docebo"
    label = "Docebo (webhooks, enriched through its API)"
    secret_help = "the password (Basic), the token (token_header) or the HMAC key (hmac) Docebo's webhook sends with"
    settings = (
        Setting("auth", "How Docebo's webhook authenticates (unconfirmed: ask what its webhook form offers).", default="basic",
                choices=("basic", "token_header", "hmac")),
        Setting("basic_user", "The user name of HTTP Basic; the password is the source's secret.", default="docebo"),
        Setting("auth_header", "The header holding the token (token_header) or the hex HMAC-SHA256 of the body (hmac).",
                kind="header", default="X-Docebo-Signature"),
        Setting("platform_url", "The Docebo platform's address (https://academy.docebosaas.com), for its API.", kind="url"),
        Setting("client_id", "The OAuth2 app's client id (Admin → API and SSO → API Credentials), with client credentials enabled."),
        Setting("client_secret", "The OAuth2 app's client secret.", secret=True),
        Setting("time_zone", "The time zone of completion_date (unconfirmed; UTC when empty).", default="UTC"),
        Setting("poll_minutes", "Minutes between polls of completed enrollments, the fallback when Docebo's webhooks cannot reach "
                "Laurel (empty or 0: not polled; needs platform_url, client_id and client_secret).", kind="minutes"),
        Setting("enrollments_path", "The enrollments list Laurel polls, if your platform's differs (default /learn/v1/enrollments; "
                "unconfirmed).", default="/learn/v1/enrollments"),
    )

    def settings_check(self, *, public: dict) -> None:
        try:
            ZoneInfo(public.get("time_zone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"time_zone must be a time zone such as Europe/Lisbon, not {public.get('time_zone')!r}.") from None
        if bool(public.get("client_id")) != bool(public.get("client_secret")) or (public.get("client_id") and not public.get("platform_url")):
            raise SettingsError("Docebo's API needs platform_url, client_id and client_secret together.")

    def request_authenticate(self, *, source, request):
        scheme = source_setting(source, "auth", "basic")
        secrets = [secret for secret in (source.signing_secret, source.signing_secret_next) if secret]
        if scheme == "basic":
            sent = request.header("authorization")
            expected = ["Basic " + base64.b64encode(f"{source_setting(source, 'basic_user', 'docebo')}:{s}".encode()).decode() for s in secrets]
        elif scheme == "token_header":
            sent, expected = request.header(source_setting(source, "auth_header", "X-Docebo-Signature")), secrets
        else:
            sent = request.header(source_setting(source, "auth_header", "X-Docebo-Signature")).lower()
            expected = [hmac_digest(key=s, content=request.body) for s in secrets]
        if not sent or not any(digest_matches(value, sent) for value in expected):
            raise AuthenticationFailed(f"The delivery is not authenticated as this source's {scheme} setting says.")

    def headers_kept(self) -> tuple[str, ...]:
        # The HMAC of the body; as a token_header the same header would hold the secret itself.
        settings = getattr(self, "source_settings", {})
        return (settings.get("auth_header") or "X-Docebo-Signature",) if settings.get("auth") == "hmac" else ()

    def request_events(self, *, source, request, verified):
        try:
            document = json_parse(request.body)
        except ValueError:
            document = None
        # A grouped delivery (up to 25 events of one type) is a list; its exact shape is unconfirmed.
        events = document if isinstance(document, list) else [document]
        found = []
        for event in events:
            body = request.body if len(events) == 1 else json_body(event)
            message_id = event.get("message_id") if isinstance(event, dict) else None
            if not isinstance(message_id, (str, int)) or not str(message_id).strip():
                message_id = derived_event_id("docebo-unidentified", hashlib.sha256(body).hexdigest())
            found.append(IncomingEvent(external_id=str(message_id)[:300], body=body, completion_key=docebo_completion_key(event)))
        return found

    def configured(self, settings: dict) -> "DoceboDialect":
        bound = DoceboDialect()
        bound.source_settings = dict(settings or {})
        return bound

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={"email": "payload.username", "learner_id": "payload.user_id", "course": "payload.course_id",
                                               "completed_at": "payload.completion_date", "name": "payload.username"})
        if not isinstance(payload, dict) or not isinstance(payload.get("payload"), dict):
            return candidate, [FieldError("payload", "The delivery must be an object holding payload.", "payload_missing")]
        if payload.get("event") != EVENT:
            raise NotACompletion(f"event is {payload.get('event')!r}, not {EVENT!r}.")
        data = payload["payload"]
        candidate.learner_id, candidate.course = data.get("user_id"), data.get("course_id")
        username = data.get("username")
        candidate.email = username if isinstance(username, str) and "@" in username else None
        candidate.extra = {"course_name": data.get("course_name"), "username": username, "original_domain": payload.get("original_domain")}
        zone = ZoneInfo(getattr(self, "source_settings", {}).get("time_zone") or "UTC")
        value = data.get("completion_date")
        try:
            candidate.completed_at = datetime.strptime(value, DOCEBO_TIME).replace(tzinfo=zone).isoformat() if value else None
        except (TypeError, ValueError):
            return candidate, [FieldError("payload.completion_date", f"completion_date must be written YYYY-MM-DD HH:MM:SS, not {value!r}.",
                                          "completed_at_invalid")]
        return candidate, []

    def enrich(self, *, source, candidate, payload) -> None:
        """The user's email and name, and the enrollment's score, from Docebo's API (when its settings are given)."""
        if not source_setting(source, "client_id"):
            return
        api = DoceboApi(source)
        user = (api.get(f"/manage/v1/user/{candidate.learner_id}").get("data") or {}).get("user_data") or {}
        candidate.email = user.get("email") or candidate.email
        candidate.given_name, candidate.family_name = user.get("first_name"), user.get("last_name")
        candidate.name = None
        candidate.paths.update(email="Docebo API user.email", given_name="Docebo API user.first_name", family_name="Docebo API user.last_name")
        items = (api.get("/learn/v1/enrollments", params={"user_id": candidate.learner_id, "course_id": candidate.course}).get("data") or {}).get("items") or []
        score = next((item.get("enrollment_score") for item in items if str(item.get("course_id")) == str(candidate.course)), None)
        if score not in (None, ""):
            candidate.score, candidate.paths["score"] = score, "Docebo API enrollment_score"


class DoceboApi:
    """Docebo's REST API as the worker calls it: one client-credentials token, then GETs, all through the guard."""

    def __init__(self, source):
        self.base = source_setting(source, "platform_url").rstrip("/")
        token = self._call("POST", "/oauth2/token", data={"grant_type": "client_credentials", "scope": "api",
                                                          "client_id": source_setting(source, "client_id"),
                                                          "client_secret": source_setting(source, "client_secret")})
        self.headers = {"Authorization": f"Bearer {token.get('access_token')}", "Accept": "application/json"}

    def get(self, path: str, params=None) -> dict:
        return self._call("GET", path, params=params, headers=self.headers)

    def _call(self, method, path, **kwargs) -> dict:
        try:
            response = guarded_request(method, self.base + path, **kwargs)
        except TargetRefused as exc:
            raise EnrichmentFailed(f"Laurel may not call platform_url: {exc}", code="docebo_address_refused") from None
        except OutboundRequestError as exc:
            raise EnrichmentFailed(f"Docebo did not answer {path}: {exc}", code="docebo_unavailable", transient=True) from None
        if response.status in (429, 503) or response.status >= 500:
            raise EnrichmentFailed(f"Docebo answered {path} with HTTP {response.status}.", code="docebo_unavailable", transient=True)
        if response.status in (400, 401, 403):
            raise EnrichmentFailed(f"Docebo refused Laurel's API credentials for {path} (HTTP {response.status}); check client_id "
                                   "and client_secret, and that the app allows client credentials.", code="docebo_credentials")
        try:
            if response.status != 200:
                raise ValueError
            answer = response.json()
            if not isinstance(answer, dict):
                raise ValueError
            return answer
        except ValueError:
            raise EnrichmentFailed(f"Docebo answered {path} with HTTP {response.status} and no JSON object; check platform_url.",
                                   code="docebo_bad_response") from None
