"""Moodle through the local_webhooks plugin: a shared token in the body, ids only in the event.

    {"eventname": "\\\\core\\\\event\\\\course_completed", "courseid": "12", "relateduserid": "57",
     "timecreated": 1731600000, "token": "…", …}

The learner is `relateduserid` (`userid` is whoever triggered it, often cron). Email, name, score and
the course's shortname come from Moodle's web services in the worker (web_services.py).
"""

import ipaddress
from datetime import datetime, timezone

from ..base import (
    AuthenticationFailed,
    CandidateCompletion,
    Dialect,
    FieldError,
    IncomingEvent,
    NotACompletion,
    derived_event_id,
    digest_matches,
    json_parse,
    source_setting,
)
from issuance.sources.moodle.check import moodle_connection_check
from issuance.sources.moodle.web_services import moodle_completion_enrich, moodle_score_fetch
from issuance.sources.settings_schema import Setting, poll_minutes_setting

COMPLETED = "\\core\\event\\course_completed"
NAME_ORDERS = ("given_family", "family_given")


def name_order_setting() -> Setting:
    return Setting("name_order", "How the name is built from Moodle's firstname and lastname: given_family (Zoë Ångström, the "
                   "default) or family_given (王 小明).", choices=NAME_ORDERS)


MOODLE_FACT_HELP = {
    "score": "Moodle's grade report has no course total for this learner: grade the course in Moodle's gradebook "
             "(Laurel asks Moodle again when the issuance is resumed)",
    "attendance": "Moodle reports no attendance to Laurel: take the attendance rule off this course's rule set, or issue by hand",
}


def moodle_score_fill(*, source, candidate, needed) -> dict:
    """The course total from Moodle, asked again when a decision needs a score (the learner may have been graded since)."""
    if "score" not in needed or not candidate.learner_id or not candidate.course:
        return {}
    return {"score": moodle_score_fetch(base_url=source_setting(source, "moodle_url"), token=source_setting(source, "ws_token"),
                                        user_id=str(candidate.learner_id), course_id=str(candidate.course))}


def _body_object(body: bytes):
    try:
        parsed = json_parse(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


class MoodleDialect(Dialect):
    name = "moodle"
    label = "Moodle (local_webhooks plugin)"
    secret_help = "the token the local_webhooks service puts in each body"
    settings = (
        Setting("moodle_url", "The Moodle site's address, e.g. https://lms.example.edu.", kind="url", required=True),
        Setting("ws_token", "A web-services token of a user allowed to read users, completions, grades and courses.", required=True, secret=True),
        Setting("allowed_addresses", "Optional: only these addresses or networks may post (comma-separated).", kind="addresses"),
        name_order_setting(),
        poll_minutes_setting(),
    )
    facts_fetchable = frozenset({"score"})
    polling_advice = ("Polling is off. The local_webhooks plugin posts each completion once, at once, with no retry: a post "
                      "that fails (Laurel down, blocked by Moodle's HTTP security settings, timing out) is lost. Map the "
                      "courses and keep poll_minutes above 0 so polling beside the webhook recovers them.")

    def content_type_accepted(self, content_type: str) -> bool:
        return True  # the plugin lets each service choose its Content-Type; the body is JSON whatever it says

    def request_authenticate(self, *, source, request):
        allowed = source_setting(source, "allowed_addresses")
        if allowed:
            try:
                peer = ipaddress.ip_address(request.remote_addr)
            except ValueError:
                raise AuthenticationFailed("The sender's address is unknown; this source accepts listed addresses only.") from None
            if not any(peer in ipaddress.ip_network(entry, strict=False) for entry in allowed.split(", ")):
                raise AuthenticationFailed(f"{request.remote_addr} is not an allowed address of this source.")
        event = _body_object(request.body)
        token = event.get("token") if event else None
        if not isinstance(token, str) or not token:
            raise AuthenticationFailed("The body must be a JSON object holding the service's token.")
        expected = [key for key in (source.signing_secret, source.signing_secret_next) if key]
        if not any([digest_matches(key, token) for key in expected]):
            raise AuthenticationFailed("The token in the body is not this source's token.")
        return event

    def body_secrets(self, *, source, request):
        # The token is a password: keep every other byte as sent, but not it, however PHP escaped it.
        event = _body_object(request.body) or {}
        return [event["token"]] if isinstance(event.get("token"), str) else []

    def request_events(self, *, source, request, verified):
        event = verified
        if event.get("eventname") == COMPLETED:
            external_id = derived_event_id("moodle", event.get("relateduserid"), event.get("courseid"), event.get("timecreated"))
        else:
            external_id = derived_event_id("moodle", event.get("eventname"), event.get("objectid"), event.get("timecreated"))
        return [IncomingEvent(external_id=external_id, body=self.stored_body(source=source, request=request))]

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={"course": "courseid", "learner_id": "relateduserid", "completed_at": "timecreated", "email": "email (from Moodle)", "name": "name (from Moodle)"}
        )
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be a JSON object.", "body_not_object")]
        if payload.get("eventname") != COMPLETED:
            raise NotACompletion(f"Moodle event {payload.get('eventname')!r} is not a course completion.")
        candidate.learner_id = payload.get("relateduserid")
        candidate.course = payload.get("courseid")
        errors = []
        created = payload.get("timecreated")
        try:
            candidate.completed_at = datetime.fromtimestamp(int(created), tz=timezone.utc).isoformat()
        except (TypeError, ValueError, OverflowError):
            errors.append(FieldError("timecreated", f"timecreated must be Unix seconds, not {created!r}.", "completed_at_invalid"))
        for field in ("relateduserid", "courseid"):
            if not str(payload.get(field) or "").strip().isdigit():
                errors.append(FieldError(field, f"{field} must be a Moodle id, not {payload.get(field)!r}.", f"{field}_invalid"[:30]))
        return candidate, errors

    def enrich(self, *, source, candidate, payload):
        moodle_completion_enrich(
            base_url=source_setting(source, "moodle_url"),
            token=source_setting(source, "ws_token"),
            candidate=candidate,
            name_order=source_setting(source, "name_order", "given_family"),
        )

    def connection_check(self, *, source):
        return moodle_connection_check(source=source)

    def facts_fetch(self, *, source, candidate, needed):
        return moodle_score_fill(source=source, candidate=candidate, needed=needed)

    def fact_missing_help(self, fact: str) -> str:
        return MOODLE_FACT_HELP.get(fact) or super().fact_missing_help(fact)
