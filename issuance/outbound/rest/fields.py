"""The fields a REST connection's templates may use, and how each place (URL, header, JSON body) gets them escaped.

The templates are rendered by the certificate sandbox (courses/templating/sandbox.py): the same
tags, filters and budgets. Only the escaping differs, since the output is not HTML: in a JSON body
every text value arrives already escaped for a JSON string (write "{{ learner.name }}" in quotes),
in a URL every value is percent-encoded, and in a header control characters are removed.
`openbadge_json` is the one value that is JSON itself: write it unquoted.
Each text value is a PlacedText (courses/templating/chat_text.py), so `|slack_text` and
`|markdown_text` escape the value as typed for a chat message, then again for the place.
"""

import json
from urllib.parse import quote

from courses.templating.chat_text import PlacedText
from courses.templating.learner_text import learner_text_line
from courses.templating.sandbox import ObjectFields

from ..connectors.base import CONNECTORS

FIELDS: dict[str, str] = {
    "event": "The event the call is for, e.g. credential.issued.",
    "credential_id": "Laurel's id of the credential (a UUID).",
    "status": "The credential's status: active, revoked, suspended, expired.",
    "reason": "Why it was revoked or suspended; empty otherwise.",
    "learner": "The learner: learner.id, learner.name, learner.first_name, learner.last_name, learner.email.",
    "course": "The course: course.code, course.title.",
    "achievement": "The achievement: achievement.id, achievement.name.",
    "organization": "The organisation's slug.",
    "issued_at": "When it was issued (ISO 8601, UTC), e.g. 2026-12-07T08:15:00+00:00.",
    "valid_from": "When it starts to be valid (ISO 8601).",
    "valid_until": "When it expires (ISO 8601); empty if it never expires.",
    "issue_date": "The issue day, YYYY-MM-DD.",
    "expiry_date": "The expiry day, YYYY-MM-DD; empty if it never expires.",
    "score": "The learner's score as digits, e.g. 86; empty if the course has none. In a body as a number: {{ score|default:\"null\" }}.",
    "public_url": "The credential's public verification page.",
    "pdf_url": "The certificate PDF's public address.",
    "json_url": "The Open Badges 3.0 credential's public address.",
    "openbadge_json": "The signed Open Badges 3.0 credential as a JSON object (write it without quotes); null if there is none.",
    "renews": "The id of the credential this one renews; empty otherwise.",
    "external_id": "The id this connection stored for the credential (from external_id_path of an earlier call, usually the issue call).",
    "external_ids": "Ids other connections stored for the credential, by kind: external_ids.credly, external_ids.accredible …",
    "mapping": "The values `mappings` gives the credential's course code, e.g. mapping.template.",
    "idempotency_key": "The same key on every attempt of one delivery, for an Idempotency-Key header where the target accepts one.",
}
OBJECTS = {
    "learner": ObjectFields({"id", "name", "first_name", "last_name", "email"}),
    "course": ObjectFields({"code", "title"}),
    "achievement": ObjectFields({"id", "name"}),
}
RAW_JSON = "openbadge_json"


def field_spec(*, mapping_keys=()) -> dict:
    """What the sandbox allows: the plain fields, the objects, the kinds for external_ids, the mapping's keys."""
    spec = {name: OBJECTS.get(name) for name in FIELDS}
    spec["external_ids"] = ObjectFields(CONNECTORS)
    spec["mapping"] = ObjectFields(mapping_keys)
    return spec


def _text(value) -> str:
    return "" if value is None else str(value)


def template_values(*, payload: dict, action: str, external_id: str, mapping: dict, idempotency_key: str) -> dict:
    """The plain values of every field, from a delivery's frozen payload."""
    data, facts = payload.get("data", {}), payload.get("facts", {})
    day = lambda value: _text(value)[:10]  # noqa: E731  (ISO 8601: the date is the first ten characters)
    return {
        "event": action,
        "credential_id": _text(data.get("credential_id")),
        "status": _text(data.get("status")),
        "reason": _text(data.get("reason")),
        "learner": {key: _text(data.get("learner", {}).get(key)) for key in OBJECTS["learner"]},
        "course": {key: _text(data.get("course", {}).get(key)) for key in OBJECTS["course"]},
        "achievement": {key: _text(data.get("achievement", {}).get(key)) for key in OBJECTS["achievement"]},
        "organization": _text(data.get("organization")),
        "issued_at": _text(data.get("issued_at")),
        "valid_from": _text(data.get("valid_from")),
        "valid_until": _text(data.get("valid_until")),
        "issue_date": day(data.get("issued_at")),
        "expiry_date": day(data.get("valid_until")),
        "score": _text(data.get("score")),
        "public_url": _text(data.get("credential_url")),
        "pdf_url": _text(facts.get("pdf_url")),
        "json_url": _text(facts.get("json_url")),
        RAW_JSON: facts.get("openbadge"),
        "renews": _text(facts.get("renews")),
        "external_id": _text(external_id),
        "external_ids": {kind: _text(value) for kind, value in (facts.get("external_ids") or {}).items()},
        "mapping": {key: _text(value) for key, value in (mapping or {}).items()},
        "idempotency_key": _text(idempotency_key),
    }


def _each_text(values: dict, escape) -> dict:
    """Each text value escaped for the place, as PlacedText: |slack_text and |markdown_text start from the value as typed."""
    out = {}
    for name, value in values.items():
        if name == RAW_JSON:
            continue
        out[name] = ({key: PlacedText(item, escape) for key, item in value.items()} if isinstance(value, dict)
                     else PlacedText(value, escape))
    return out


def json_context(values: dict) -> dict:
    """For a JSON body: text escaped for inside a JSON string; openbadge_json as JSON text."""
    context = _each_text(values, lambda text: json.dumps(text, ensure_ascii=False)[1:-1])
    context[RAW_JSON] = json.dumps(values.get(RAW_JSON), ensure_ascii=False, separators=(",", ":"))
    return context


def url_context(values: dict) -> dict:
    """For a URL: every value percent-encoded, so a value cannot add a path segment or a query parameter."""
    context = _each_text(values, lambda text: quote(text, safe=""))
    context[RAW_JSON] = ""
    return context


def header_context(values: dict) -> dict:
    """For a header: one line, no control characters (a CR or LF would start another header)."""
    context = _each_text(values, learner_text_line)
    context[RAW_JSON] = ""
    return context
