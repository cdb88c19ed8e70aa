"""Canvas Live Events over HTTPS with "Sign Payload": the body is a JWT whose claims are the event.

    claims = {"metadata": {"event_name": "course_completed", "request_id": "…", …},
              "body": {"course": {"id": "42", "name": "Safety 101", "sis_source_id": "SAF-101"},
                       "progress": {"completed_at": "2024-11-14T10:01:59.000Z", …},
                       "user": {"id": "777", "email": "ana@example.org", "name": "Ana Lima"}}}

Canvas re-fires course_completed when the completion time is set again, so the event id is the
learner, the course and `completed_at` (to the second): the same completion is one event however
often it comes, and the same event when a poll of Canvas REST finds it (canvas_rest.py).
"""

import hashlib

import jwt

from .base import (
    AuthenticationFailed,
    CandidateCompletion,
    Dialect,
    IncomingEvent,
    NotACompletion,
    derived_event_id,
    source_setting,
)
from .canvas_jwks import KeySetUnavailable, jwks_key_for
from .polling import completion_time_key
from .settings_schema import Setting, SettingsError, poll_minutes_setting

# Asymmetric only: a shared-secret or unsigned token must never pass as Canvas's.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


def is_live_event(claims) -> bool:
    return isinstance(claims, dict) and isinstance(claims.get("metadata"), dict) and isinstance(claims.get("body"), dict)


def claims_described(claims) -> str:
    """What a verified token that is no Live Event holds, in words for the event's ignored reason."""
    if isinstance(claims, dict) and {"sensor", "sendTime", "data"} <= set(claims):
        return f"a Caliper envelope (dataVersion {claims.get('dataVersion')!r})"
    if isinstance(claims, dict):
        return "claims with the keys " + ", ".join(sorted(map(str, claims))[:10])
    return f"a JSON {type(claims).__name__}"


class CanvasDialect(Dialect):
    name = "canvas"
    label = "Canvas Live Events (signed)"
    secret_generated_here = False
    secret_required = False
    secret_help = "not used: Canvas signs with Instructure's published keys (jwks_url or jwks)"
    settings = (
        Setting("jwks_url", "Where Instructure publishes the Live Events signing keys.", kind="url"),
        Setting("jwks", "Or the key set itself, as JSON ({\"keys\": [...]}).", kind="json_keyset"),
        Setting("canvas_url", "To poll Canvas REST: the Canvas site's address, e.g. https://canvas.example.edu.", kind="url"),
        Setting("api_token", "To poll: an access token of a teacher or admin of the mapped courses (sent as Bearer).", secret=True),
        poll_minutes_setting(),
    )

    def settings_check(self, *, public):
        if public.get("jwks_url") and public.get("jwks"):
            raise SettingsError("Give only one of jwks_url or jwks for the canvas dialect.")
        if bool(public.get("canvas_url")) != bool(public.get("api_token")):
            raise SettingsError("Polling Canvas needs both canvas_url and api_token.")
        if not (public.get("jwks_url") or public.get("jwks") or public.get("canvas_url")):
            raise SettingsError("Give jwks_url or jwks (Live Events), or canvas_url and api_token (polling), for the canvas dialect.")

    def content_type_accepted(self, content_type):
        return True  # a JWT body arrives as text/plain, application/jwt or even application/json

    def request_authenticate(self, *, source, request):
        token = request.body.strip().decode("ascii", "replace")
        if not (source_setting(source, "jwks_url") or source_setting(source, "jwks")):
            raise AuthenticationFailed("This Canvas source is polled only: it has no key set to check Live Events with.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise AuthenticationFailed("The body must be a signed JWT (enable Sign Payload in Canvas Data Services).") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationFailed(f"JWT algorithm {header.get('alg')!r} is not accepted; expected one of {', '.join(ALGORITHMS)}.")
        try:
            key = jwks_key_for(url=source_setting(source, "jwks_url") or None, inline=source_setting(source, "jwks") or None, kid=str(header.get("kid", "")))
        except KeySetUnavailable as exc:
            raise AuthenticationFailed(f"The signature cannot be checked now: {exc}", status=503) from None
        if key is None:
            raise AuthenticationFailed(f"No key with kid {header.get('kid')!r} in this source's key set.")
        try:
            claims = jwt.decode(token, key=key, algorithms=[header["alg"]], options={"verify_aud": False})
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"The JWT does not verify: {exc}.") from None
        # A verified token in another format (a Caliper envelope, a shape Laurel does not know) is
        # kept and ignored in the worker, never refused: Canvas deactivates a subscription after a
        # day of non-2xx answers, and one such event type would take the completions down with it.
        return claims

    def request_events(self, *, source, request, verified):
        if not is_live_event(verified):
            digest = hashlib.sha256(request.body.strip()).hexdigest()
            return [IncomingEvent(external_id=derived_event_id("canvas", "other", digest), body=request.body)]
        metadata, body = verified["metadata"], verified["body"]
        if metadata.get("event_name") == "course_completed":
            user, course, progress = (body.get(part) if isinstance(body.get(part), dict) else {} for part in ("user", "course", "progress"))
            external_id = derived_event_id("canvas", user.get("id"), course.get("id"), completion_time_key(progress.get("completed_at")))
        else:
            external_id = derived_event_id("canvas", metadata.get("event_name"), metadata.get("request_id") or metadata.get("event_time"))
        return [IncomingEvent(external_id=external_id, body=request.body)]

    def payload_parse(self, body: bytes):
        # The signature was verified before these bytes were stored; here only the claims are read.
        try:
            return jwt.decode(body.strip(), options={"verify_signature": False})
        except jwt.DecodeError as exc:
            raise ValueError(f"not a JWT ({exc})") from None

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={
                "email": "body.user.email",
                "name": "body.user.name",
                "course": "body.course.id",
                "completed_at": "body.progress.completed_at",
                "learner_id": "body.user.id",
            }
        )
        if not is_live_event(payload):
            raise NotACompletion(f"The signed claims are {claims_described(payload)}, not a Canvas Live Event (metadata and body).")
        metadata, body = payload["metadata"], payload["body"]
        if metadata.get("event_name") != "course_completed":
            raise NotACompletion(f"Canvas event {metadata.get('event_name')!r} is not course_completed.")
        user, course, progress = (body.get(part) if isinstance(body.get(part), dict) else {} for part in ("user", "course", "progress"))
        candidate.email, candidate.name, candidate.learner_id = user.get("email"), user.get("name"), user.get("id")
        candidate.course, candidate.course_code = course.get("id"), course.get("sis_source_id")
        candidate.completed_at = progress.get("completed_at")
        candidate.extra = {"course_name": course.get("name"), "requirement_count": progress.get("requirement_count")}
        return candidate, []


