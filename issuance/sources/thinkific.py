"""Thinkific webhooks: hex HMAC-SHA256 of the raw body with the site's API key; enrollment.completed only.

    {"id": "20241114100203118000001", "resource": "enrollment", "action": "completed",
     "created_at": "…", "payload": {"course": {"id": 68, "name": "Safety 101"},
      "user": {"id": 94, "email": "ana@example.org", "first_name": "Ana", "last_name": "Lima"},
      "completed_at": "2024-11-14T10:01:59Z", "percentage_completed": "1.0"}}
"""

import hashlib

from .base import CandidateCompletion, Dialect, FieldError, IncomingEvent, NotACompletion, derived_event_id, json_parse
from .signatures import hex_hmac_verify

SIGNATURE_HEADER = "X-Thinkific-Hmac-Sha256"


class ThinkificDialect(Dialect):
    name = "thinkific"
    label = "Thinkific"
    secret_generated_here = False
    secret_help = "the site's API key (or the OAuth app's client secret) that Thinkific signs webhooks with"

    def request_authenticate(self, *, source, request):
        hex_hmac_verify(source=source, request=request, header=SIGNATURE_HEADER, secret_label="API key")

    def request_events(self, *, source, request, verified):
        try:
            envelope = json_parse(request.body)
        except ValueError:
            envelope = None
        event_id = envelope.get("id") if isinstance(envelope, dict) else None
        if not isinstance(event_id, (str, int)) or not str(event_id).strip():
            event_id = derived_event_id("thinkific-unidentified", hashlib.sha256(request.body).hexdigest())
        return [IncomingEvent(external_id=str(event_id)[:300], body=request.body)]

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={
                "email": "payload.user.email",
                "given_name": "payload.user.first_name",
                "family_name": "payload.user.last_name",
                "name": "payload.user.first_name",
                "course": "payload.course.id",
                "completed_at": "payload.completed_at",
                "learner_id": "payload.user.id",
            }
        )
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be a JSON object.", "body_not_object")]
        topic = f"{payload.get('resource')}.{payload.get('action')}"
        if topic != "enrollment.completed":
            raise NotACompletion(f"Thinkific topic {topic!r} is not enrollment.completed.")
        data = payload.get("payload")
        if not isinstance(data, dict):
            return candidate, [FieldError("payload", "payload must be the enrollment object.", "data_missing")]
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        course = data.get("course") if isinstance(data.get("course"), dict) else {}
        candidate.email = user.get("email")
        candidate.given_name = user.get("first_name")
        candidate.family_name = user.get("last_name")
        candidate.learner_id = user.get("id")
        candidate.course = course.get("id", data.get("course_id"))
        candidate.completed_at = data.get("completed_at")
        # No score in enrollment payloads; percentage_completed ("1.0" as text) is progress, kept aside.
        candidate.extra = {"percentage_completed": data.get("percentage_completed"), "course_name": course.get("name")}
        return candidate, []
