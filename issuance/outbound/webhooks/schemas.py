"""The JSON Schema of each webhook event's body, published in docs/integrations/webhook-events/."""

from ..connectors.base import PARKED
from .connector import EVENTS

_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date-time"}

CREDENTIAL_DATA = {
    "type": "object",
    "required": ["credential_id", "status", "reason", "credential_url", "issued_at", "valid_from", "valid_until",
                 "learner", "achievement", "course", "score", "organization"],
    "properties": {
        "credential_id": {"type": "string", "format": "uuid"},
        "status": {"enum": ["active", "suspended", "revoked", "expired"]},
        "reason": {**_TEXT, "description": "Why it was revoked or suspended; empty otherwise."},
        "credential_url": {"type": "string", "format": "uri", "description": "The public verification page."},
        "issued_at": _DATE, "valid_from": _DATE,
        "valid_until": {"type": ["string", "null"], "format": "date-time"},
        "learner": {"type": "object", "required": ["id", "name", "first_name", "last_name", "email"],
                    "properties": {"id": _TEXT, "name": _TEXT, "first_name": _TEXT, "last_name": _TEXT,
                                   "email": {"type": "string", "format": "email"}}},
        "achievement": {"type": "object", "required": ["id", "name"], "properties": {"id": _TEXT, "name": _TEXT}},
        "course": {"type": "object", "required": ["code", "title"], "properties": {"code": _TEXT, "title": _TEXT}},
        "score": {"type": ["string", "null"], "description": "The completion's score as a decimal string, if any."},
        "organization": {**_TEXT, "description": "The organisation's slug."},
    },
}

ISSUANCE_DATA = {
    "type": "object",
    "required": ["issuance_id", "state", "failed_step", "error", "learner", "course", "organization", "parked_at"],
    "properties": {
        "issuance_id": {"type": "string", "format": "uuid"}, "state": {"const": "parked"},
        "failed_step": _TEXT, "error": _TEXT,
        "learner": {"type": "object", "required": ["name", "email"], "properties": {"name": _TEXT, "email": _TEXT}},
        "course": {"type": "object", "required": ["code", "title"], "properties": {"code": _TEXT, "title": _TEXT}},
        "organization": _TEXT, "parked_at": _DATE,
    },
}


def event_schema(event: str) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": event,
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": event},
            "timestamp": {**_DATE, "description": "When the event happened (the same on every retry)."},
            "data": ISSUANCE_DATA if event == PARKED else CREDENTIAL_DATA,
        },
    }


def event_schemas() -> dict[str, dict]:
    return {event: event_schema(event) for event in EVENTS}
