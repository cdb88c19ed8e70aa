"""Cornerstone OnDemand's Edge webhooks: "Training Completion" records, `x-api-key` on each request, an HMAC in `Authorization`.

    {"records": [{"lag": 12.48, "value": {
       "headers": {"messageId": "8761503e-…", "corpName": "acme", …},
       "lmsEventsCase": "TrainingCompleted",
       "trainingCompleted": {"data": {"eventId": "8761503e-…", "trainingId": "8d86b95c-…", "trainingTitle": "Safety 101",
                                      "targetUserId": 33417, "targetUserRef": "E10442", "targetUsername": "ana.lima", …}}}}]}

Each record is its own event. What Cornerstone documents stops at `createdByUserId`: where the email,
the name, the completion time and the score sit are settings, and so is the HMAC's string-to-sign,
which is checked only once the endpoint's Security Token is saved (docs/lms/cornerstone.md).
"""

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .base import (
    AuthenticationFailed, CandidateCompletion, Dialect, FieldError, IncomingEvent, NotACompletion, RequestRefused,
    derived_event_id, digest_matches, json_body, json_parse, source_setting,
)
from .mapped.paths import PathError, path_get, path_parse
from .settings_schema import Setting, SettingsError

COMPLETED = "TrainingCompleted"
RECEIVED_AT = "laurel_received_at"
DATE_TOLERANCE_SECONDS = 5 * 60
DEFAULT_STRING_TO_SIGN = r"{method}\n{path}\n{x-content-sha256}\n{date}"
PATHS = {  # setting → (default path inside a record's `value`, the completion field it fills)
    "email_path": ("trainingCompleted.data.targetUserEmail", "email"),
    "name_path": ("trainingCompleted.data.targetUserFullName", "name"),
    "completed_at_path": ("trainingCompleted.data.completionDate", "completed_at"),
    "score_path": ("trainingCompleted.data.score", "score"),
}


# For polling: where a transcript's facts may be, first found wins [U: Cornerstone's transcript schema was not read];
# each list is the default of a `transcript_<fact>_fields` setting (cornerstone_poll.py reads them).
TRANSCRIPT_FIELDS = {
    "training": ("training id (matched against the course mapping)", ("loId", "trainingId", "objectId")),
    "user": ("user id", ("userId", "targetUserId")),
    "user_ref": ("user reference (employee id)", ("userRef", "targetUserRef")),
    "status": ("status (matched against transcript_completed_statuses and transcript_open_statuses)", ("status", "transcriptStatus", "statusName")),
    "completed": ("completion time", ("completionDate", "completedDate", "completionDateTime")),
    "score": ("score", ("score",)),
    "title": ("training title", ("title", "trainingTitle", "loTitle")),
    "email": ("learner's email", ("email", "userEmail")),
    "name": ("learner's full name", ("userFullName", "fullName", "userName")),
}


# A transcript's status values [U: not read from Cornerstone's schema]: each list is the default of a setting.
# A mapped training's transcript whose status is in neither list, or that has no status, parks naming both settings.
STATUS_LISTS = {
    "completed": ("transcript_completed_statuses", ("Completed", "Passed")),
    "open": ("transcript_open_statuses", ("Registered", "Approved", "Pending", "Pending Approval", "Not Started", "Started",
                                          "In Progress", "Incomplete", "Failed", "Denied", "Cancelled", "Canceled",
                                          "Withdrawn", "Removed", "Past Due", "Inactive")),
}


def _listed(text, defaults: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name.strip() for name in str(text or "").split(",") if name.strip()) or defaults


def transcript_fields(settings: dict) -> dict[str, tuple[str, ...]]:
    """Per fact, the transcript fields it is read from: the source's `transcript_<fact>_fields`, else the defaults."""
    return {fact: _listed(settings.get(f"transcript_{fact}_fields"), names) for fact, (_, names) in TRANSCRIPT_FIELDS.items()}


def transcript_read(record: dict, names: tuple[str, ...]):
    """The first of the named fields the transcript fills."""
    return next((record[key] for key in names if record.get(key) not in (None, "")), None)


def transcript_status(record: dict, settings: dict) -> tuple[str, object]:
    """("completed", "open" or "unrecognised", the status as sent) under the source's status lists."""
    status = transcript_read(record, transcript_fields(settings)["status"])
    said = str(status or "").strip().lower()
    for kind, (setting, defaults) in STATUS_LISTS.items():
        if said and said in {name.lower() for name in _listed(settings.get(setting), defaults)}:
            return kind, status
    return "unrecognised", status


def _polled_errors(payload: dict, settings: dict, candidate: CandidateCompletion) -> list[FieldError]:
    """A polled transcript read again under today's settings, so a parked one replays once staff fixed them."""
    record, fields = payload["transcript"], transcript_fields(settings)
    kind, status = transcript_status(record, settings)
    if kind == "open":
        raise NotACompletion(f"The transcript's status is {status!r}, one of transcript_open_statuses.")
    if kind == "unrecognised":
        said = (f"The transcript's status {status!r} is in neither transcript_completed_statuses nor transcript_open_statuses"
                if status not in (None, "") else f"The transcript has no status in {', '.join(fields['status'])}")
        return [FieldError("status", f"{said}: add it to the list it belongs to (or set transcript_status_fields) in the "
                                     "source's settings, then reprocess this event.", "status_unrecognised")]
    if candidate.completed_at in (None, ""):
        candidate.completed_at = transcript_read(record, fields["completed"])
        candidate.paths["completed_at"] = f"transcript.{'|'.join(fields['completed'])}"
    if candidate.completed_at in (None, ""):
        return [FieldError("completed_at", f"The transcript is {status!r} but has no completion time in "
                                           f"{', '.join(fields['completed'])}: set transcript_completed_fields in the source's "
                                           "settings, then reprocess this event.", "completed_at_missing")]
    return []


def _transcript_setting(fact: str) -> Setting:
    what, names = TRANSCRIPT_FIELDS[fact]
    return Setting(f"transcript_{fact}_fields", f"For polling: the transcript field(s) holding the {what}, comma-separated, first "
                   f"found wins (unconfirmed: Cornerstone's transcript schema was not read). Default {', '.join(names)}.",
                   default=", ".join(names))


def _path_setting(name: str, what: str) -> Setting:
    default = PATHS[name][0]
    return Setting(name, f"Where a record's {what} is, below its `value` (unconfirmed: Cornerstone's sample stops before it). "
                   f"Default {default}.", default=default)


def cornerstone_completion_key(value) -> str:
    """Who completed which training, as an Edge record's `value` and a polled transcript (cornerstone_poll.py)
    both say it: the key a poll looks its webhook copy up by. Empty when the record does not say both.
    Not the completion time: where a record holds it is unconfirmed (a setting), so a retake is told
    apart by when its webhook came (cornerstone_poll.py)."""
    user, training = path_get(value, "trainingCompleted.data.targetUserId"), path_get(value, "trainingCompleted.data.trainingId")
    if any(part in (None, "") or isinstance(part, (dict, list)) for part in (user, training)):
        return ""
    return derived_event_id("cornerstone", user, str(training).lower())


class CornerstoneDialect(Dialect):
    name = "cornerstone"
    label = "Cornerstone OnDemand (Edge webhooks)"
    secret_generated_here = False
    secret_help = "the x-api-key Cornerstone generated for the Edge webhook endpoint"
    settings = (
        Setting("security_token", "The endpoint's Security Token: when saved, the HMAC in Authorization is checked as "
                "string_to_sign says; empty: only x-api-key is checked.", secret=True),
        Setting("string_to_sign", "What the HMAC covers (unconfirmed): {method}, {path}, {x-content-sha256} (base64 SHA-256 of "
                r"the body), {date}, {header:NAME}; \n is a line break. Default " + DEFAULT_STRING_TO_SIGN + ".",
                default=DEFAULT_STRING_TO_SIGN),
        Setting("hmac_algorithm", "The HMAC's hash (unconfirmed).", default="sha256", choices=("sha256", "sha512", "sha1")),
        Setting("hmac_encoding", "How the HMAC is written (unconfirmed).", default="base64", choices=("base64", "hex")),
        Setting("hmac_prefix", "Text before the HMAC in Authorization (e.g. 'HMAC '), if any."),
        _path_setting("email_path", "email"),
        _path_setting("name_path", "full name"),
        _path_setting("completed_at_path", "completion time (ISO 8601; empty: the time Laurel received it)"),
        _path_setting("score_path", "score (0–100)"),
        Setting("corp_url", "The portal's address (https://acme.csod.com), for polling the Transcript Search API.", kind="url"),
        Setting("client_id", "The OAuth2 client id (Edge → API Management), with the transcript:read scope, for polling."),
        Setting("client_secret", "The OAuth2 client secret, for polling.", secret=True),
        Setting("transcript_search_path", "The Transcript Search path (unconfirmed; default /services/api/x/transcript/v1/search).",
                default="/services/api/x/transcript/v1/search"),
        Setting("poll_minutes", "Minutes between polls of the Transcript Search, the fallback when Edge webhooks cannot reach "
                "Laurel (empty or 0: not polled; needs corp_url, client_id and client_secret).", kind="minutes"),
        *(_transcript_setting(fact) for fact in TRANSCRIPT_FIELDS),
        *(Setting(setting, f"For polling: the transcript statuses that {what}, comma-separated, any case (unconfirmed: "
                  f"Cornerstone's status values were not read). A mapped training's transcript in neither list parks. "
                  f"Default {', '.join(defaults)}.", default=", ".join(defaults))
          for (setting, defaults), what in zip(STATUS_LISTS.values(), ("make a completion", "are not a completion yet"))),
    )

    def settings_check(self, *, public: dict) -> None:
        if len({bool(public.get(name)) for name in ("corp_url", "client_id", "client_secret")}) > 1:
            raise SettingsError("Polling Cornerstone needs corp_url, client_id and client_secret together.")
        for name in PATHS:
            try:
                path_parse(public.get(name) or PATHS[name][0])
            except PathError as exc:
                raise SettingsError(f"{name}: {exc}") from None

    def configured(self, settings: dict) -> "CornerstoneDialect":
        bound = CornerstoneDialect()
        bound.source_settings = dict(settings or {})
        return bound

    def request_authenticate(self, *, source, request):
        sent = request.header("x-api-key")
        keys = [key for key in (source.signing_secret, source.signing_secret_next) if key]
        if not sent or not any(digest_matches(key, sent) for key in keys):
            raise AuthenticationFailed("x-api-key is missing or is not this endpoint's key.")
        token = source_setting(source, "security_token")
        if token:
            _hmac_verify(source=source, request=request, token=token)
        if request.header("content-encoding").lower() == "gzip":
            raise RequestRefused("The body is gzip-encoded: turn Content Encoding off on the Cornerstone endpoint.", status=415)

    def request_events(self, *, source, request, verified):
        try:
            envelope = json_parse(request.body)
        except ValueError:
            envelope = None
        records = envelope.get("records") if isinstance(envelope, dict) else None
        if not isinstance(records, list):  # authentic but not a batch: kept as sent, and parked by the reading
            return [IncomingEvent(external_id=derived_event_id("cornerstone-unreadable", hashlib.sha256(request.body).hexdigest()),
                                  body=request.body)]
        received = datetime.now(timezone.utc).isoformat(timespec="seconds")
        events = []
        for record in records:
            value = record.get("value") if isinstance(record, dict) else None
            found = path_get(value, "trainingCompleted.data.eventId") or path_get(value, "headers.messageId")
            body = json_body({**record, RECEIVED_AT: received} if isinstance(record, dict) else record)
            external_id = str(found)[:300] if isinstance(found, (str, int)) and str(found).strip() else \
                derived_event_id("cornerstone", hashlib.sha256(body).hexdigest())
            events.append(IncomingEvent(external_id=external_id, body=body, completion_key=cornerstone_completion_key(value)))
        return events

    def adapt(self, payload):
        settings = getattr(self, "source_settings", {})
        paths = {field: f"value.{settings.get(name) or default}" for name, (default, field) in PATHS.items()}
        candidate = CandidateCompletion(paths={**paths, "course": "value.trainingCompleted.data.trainingId",
                                               "learner_id": "value.trainingCompleted.data.targetUserRef"})
        value = payload.get("value") if isinstance(payload, dict) else None
        if not isinstance(value, dict):
            return candidate, [FieldError("value", "A record must be an object holding value (Cornerstone's event).", "record_invalid")]
        if value.get("lmsEventsCase") != COMPLETED:
            raise NotACompletion(f"lmsEventsCase is {value.get('lmsEventsCase')!r}, not {COMPLETED!r}.")
        for field, path in paths.items():
            setattr(candidate, field, path_get(payload, path))
        errors = _polled_errors(payload, settings, candidate) if payload.get("laurel_polled") and isinstance(payload.get("transcript"), dict) else []
        if candidate.completed_at in (None, ""):
            candidate.completed_at, candidate.paths["completed_at"] = payload.get(RECEIVED_AT), f"{RECEIVED_AT} (no completion time sent)"
        candidate.course = path_get(value, "trainingCompleted.data.trainingId")
        candidate.learner_id = path_get(value, "trainingCompleted.data.targetUserRef")
        candidate.extra = {key: path_get(value, f"trainingCompleted.data.{key}") for key in ("trainingTitle", "targetUsername", "transcriptUrl")}
        return candidate, errors


def _hmac_verify(*, source, request, token: str) -> None:
    """The HMAC in Authorization over the configured string-to-sign, a fresh Date, and x-content-sha256 matching the body."""
    content_sha = base64.b64encode(hashlib.sha256(request.body).digest()).decode()
    if request.header("x-content-sha256") and not digest_matches(content_sha, request.header("x-content-sha256")):
        raise AuthenticationFailed("x-content-sha256 is not the SHA-256 of the body.")
    try:
        sent_at = parsedate_to_datetime(request.header("date"))
    except (TypeError, ValueError):
        raise AuthenticationFailed("The Date header is missing or unreadable; Cornerstone signs it.") from None
    if sent_at.tzinfo is None or abs((datetime.now(timezone.utc) - sent_at).total_seconds()) > DATE_TOLERANCE_SECONDS:
        raise AuthenticationFailed("The Date header is more than 5 minutes away from our clock.")
    settings = source.settings or {}
    expected = cornerstone_signature(
        token=token, method="POST", path=request.meta.get("PATH_INFO", "") + (f"?{request.meta['QUERY_STRING']}" if request.meta.get("QUERY_STRING") else ""),
        headers={"x-content-sha256": content_sha, "date": request.header("date")}, header=request.header,
        template=settings.get("string_to_sign") or DEFAULT_STRING_TO_SIGN, algorithm=settings.get("hmac_algorithm") or "sha256",
        encoding=settings.get("hmac_encoding") or "base64",
    )
    sent = request.header("authorization").removeprefix(settings.get("hmac_prefix") or "")
    if not sent or not digest_matches(expected, sent.strip()):
        raise AuthenticationFailed("The HMAC in Authorization does not match (check the Security Token and string_to_sign).")


def cornerstone_signature(*, token: str, method: str, path: str, headers: dict, header, template: str, algorithm: str, encoding: str) -> str:
    """The HMAC of the string-to-sign the template makes; `header(name)` reads any other request header."""
    text = template.replace(r"\n", "\n").replace("{method}", method).replace("{path}", path)
    text = text.replace("{x-content-sha256}", headers["x-content-sha256"]).replace("{date}", headers["date"])
    while "{header:" in text:
        start = text.index("{header:")
        end = text.index("}", start) if "}" in text[start:] else len(text)
        text = text[:start] + header(text[start + 8:end]) + text[end + 1:]
    digest = hmac.new(token.encode(), text.encode(), getattr(hashlib, algorithm)).digest()
    return base64.b64encode(digest).decode() if encoding == "base64" else digest.hex()
