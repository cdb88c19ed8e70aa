"""Teachable webhooks: hex HMAC-SHA256 of the raw body; one event object or an array of them.

    {"id": 9001, "type": "Enrollment.completed", "created": "2026-01-05T10:00:00Z",
     "object": {"course_id": 2001, "course": {"id": 2001, "name": "Safety 101"},
                "user": {"id": 77, "email": "ana@example.org", "name": "Ana Lima"},
                "completed_at": "2026-01-05T09:58:00Z"}}

Teachable's field names and signature format are not confirmed by its own documentation, so the
header is a setting, both `<hex>` and `t=<unix>,v1=<hex>` (over `<unix>.<body>`) are accepted, and
several spellings of the course and time are read (docs/lms/teachable.md).
"""

import hashlib

from .base import (
    CandidateCompletion,
    Dialect,
    FieldError,
    IncomingEvent,
    NotACompletion,
    derived_event_id,
    json_body,
    json_parse,
    source_setting,
)
from .settings_schema import Setting
from .signatures import hex_hmac_verify

DEFAULT_HEADER = "X-Teachable-Signature"


def _signatures(value: str, body: bytes) -> list[tuple[str, bytes]]:
    """(hex digest received, bytes it signs): a bare hex digest signs the body, t=…,v1=… signs t.body."""
    parts = dict(part.strip().split("=", 1) for part in value.split(",") if "=" in part)
    if "v1" in parts and "t" in parts:
        return [(parts["v1"].strip().lower(), parts["t"].strip().encode() + b"." + body)]
    return [(value.strip().lower(), body)]


class TeachableDialect(Dialect):
    name = "teachable"
    label = "Teachable"
    secret_generated_here = False
    secret_help = "the webhook signing secret Teachable shows for this webhook"
    settings = (
        Setting("signature_header", f"The header holding the signature (default {DEFAULT_HEADER}).", kind="header", default=DEFAULT_HEADER),
    )

    def request_authenticate(self, *, source, request):
        header = source_setting(source, "signature_header", DEFAULT_HEADER)
        hex_hmac_verify(source=source, request=request, header=header, secret_label="secret", signed=_signatures)

    def request_events(self, *, source, request, verified):
        try:
            parsed = json_parse(request.body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            return [IncomingEvent(external_id=self._event_id(parsed, request.body), body=request.body)]
        events = []
        for element in parsed:
            body = json_body(element)
            events.append(IncomingEvent(external_id=self._event_id(element, body), body=body))
        return events

    @staticmethod
    def _event_id(event, body: bytes) -> str:
        event_id = event.get("id") if isinstance(event, dict) else None
        if isinstance(event_id, (str, int)) and not isinstance(event_id, bool) and str(event_id).strip():
            return str(event_id)[:300]
        return derived_event_id("teachable", hashlib.sha256(body).hexdigest())

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={
                "email": "object.user.email",
                "name": "object.user.name",
                "course": "object.course_id",
                "completed_at": "object.completed_at",
                "learner_id": "object.user.id",
            }
        )
        if isinstance(payload, list) and len(payload) == 1:
            payload = payload[0]
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be an event object.", "body_not_object")]
        if payload.get("type") != "Enrollment.completed":
            raise NotACompletion(f"Teachable event {payload.get('type')!r} is not Enrollment.completed.")
        data = payload.get("object")
        if not isinstance(data, dict):
            return candidate, [FieldError("object", "object must be the enrollment.", "data_missing")]
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        course = data.get("course") if isinstance(data.get("course"), dict) else {}
        candidate.email = user.get("email")
        candidate.name = user.get("name")
        candidate.learner_id = user.get("id", data.get("user_id"))
        candidate.course = data.get("course_id", course.get("id"))
        for key in ("completed_at", "created_at"):
            if data.get(key):
                candidate.completed_at, candidate.paths["completed_at"] = data[key], f"object.{key}"
                break
        else:
            candidate.completed_at, candidate.paths["completed_at"] = payload.get("created"), "created"
        candidate.extra = {"course_name": course.get("name")} if course.get("name") else {}
        return candidate, []
