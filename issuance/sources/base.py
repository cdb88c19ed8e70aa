"""The seam every inbound dialect plugs into: request in, stored events out; payload in, candidate out.

A dialect owns everything that differs between senders: how a request is authenticated, which
content types it takes, how one request becomes events and how each is identified, how an event
becomes a candidate completion, and what must be fetched from the sender to complete it (in the
worker). The view, the store and the worker call these methods and know no sender by name.
"""

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field, fields
from typing import Any

from .settings_schema import Setting


@dataclass(frozen=True)
class FieldError:
    """One specific problem with one field, worded for the staff member who will fix it."""

    field: str
    message: str
    code: str = "invalid"

    def to_json(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class CandidateCompletion:
    """What a dialect found in a payload, as sent: nothing here is checked yet.

    `paths` names where each field came from in the payload (e.g. `data.learner.email`), so an
    error can point at the sender's own field names. `course` is looked up in the mapping table
    first; `course_code`, when a sender has a better code than its id, is the fallback.
    """

    email: Any = None
    name: Any = None
    given_name: Any = None
    family_name: Any = None
    course: Any = None
    course_code: Any = None
    completed_at: Any = None
    learner_id: Any = None
    score: Any = None
    attendance: Any = None
    extra: Any = None
    language: Any = None  # the learner's language as sent (a BCP 47 tag, or Moodle's pt_br); None: not sent
    paths: dict[str, str] = field(default_factory=dict)

    CORRECTABLE = ("email", "name", "course", "completed_at", "learner_id", "score", "attendance", "language")

    def path(self, name: str) -> str:
        return self.paths.get(name, name)

    def with_corrections(self, corrections: dict) -> "CandidateCompletion":
        """Staff corrections win over what the source sent; the raw body is never touched."""
        known = {f.name for f in fields(self)}
        for key, value in corrections.items():
            if key in known and key != "paths":
                setattr(self, key, value)
                if key == "name":
                    self.given_name = self.family_name = None
                if key == "course":
                    self.course_code = None
                self.paths[key] = f"{key} (corrected)"
        return self


@dataclass(frozen=True)
class ConnectionCheck:
    """One function of the sender's API, called as Laurel calls it: OK, or what to fix (the capability, the setting)."""

    function: str
    ok: bool
    detail: str


class JsonTooDeep(ValueError):
    """JSON nested deeper than the parser can follow: a sender probing us, never a completion."""


def json_parse(body: bytes | str) -> Any:
    """json.loads, except that nesting too deep for the parser is a ValueError like any unreadable body."""
    try:
        return json.loads(body)
    except RecursionError:
        raise JsonTooDeep("The JSON is nested too deeply to read.") from None


def json_body(data) -> bytes:
    """The raw body stored for an event Laurel split off a request or found by a poll: compact JSON in UTF-8."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class RequestRefused(Exception):
    """The request is answered `status` with `detail` and nothing is stored."""

    status = 400

    def __init__(self, detail: str, *, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status


class AuthenticationFailed(RequestRefused):
    """Not from this source (bad signature, token or password): 401, never stored."""

    status = 401


class NotACompletion(Exception):
    """A genuine event that is not a completion (another topic or verb): kept and marked ignored."""


class EnrichmentFailed(Exception):
    """The sender's API could not complete the event. `code` is the park reason staff filter on."""

    def __init__(self, message: str, *, code: str, field: str = "enrichment", transient: bool = False):
        super().__init__(message)
        self.message, self.code, self.field, self.transient = message, code, field, transient

    def to_field_error(self) -> FieldError:
        return FieldError(self.field, self.message, self.code)


@dataclass(frozen=True)
class InboundRequest:
    """What a dialect may look at while the request is open: bytes, headers, the peer address."""

    body: bytes
    meta: dict
    remote_addr: str = ""
    path_token: str = ""  # a secret segment after the intake path (…/events/<secret>), for senders that cannot sign

    def header(self, name: str) -> str:
        key = "CONTENT_TYPE" if name.lower() == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        return str(self.meta.get(key, "")).strip()


@dataclass(frozen=True)
class IncomingEvent:
    """One event of a request, ready to store: its id for dedupe and the bytes to keep.

    `completion_key` names the completion (who, which course, when) the same way whichever path brought
    it, for a sender whose poll and webhook give one completion different ids (Docebo, Cornerstone):
    stored in an indexed column, it is what the poller asks for (`Poller.known_otherwise`).
    """

    external_id: str
    body: bytes
    completion_key: str = ""


# A JSON string literal: between quotes, any character but a quote or backslash, or an escape. Outside
# strings JSON has no quotes, so scanning a body from its start finds exactly its string literals.
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
REDACTED = "[secret removed by Laurel]"


def body_secrets_redact(body: bytes, secrets_found: list[str], *, replacement: str = REDACTED) -> bytes:
    """`body` with every JSON string whose value is one of `secrets_found` replaced, however it was escaped.

    A sender's JSON encoder chooses its escapes: PHP writes `/` as `\\/`, others write any character
    as `\\uXXXX`. Comparing decoded values, not spellings, catches them all; every other byte stays
    as sent. A body that is not JSON is returned unchanged (nothing in it can be found as a string).
    """
    wanted = {value for value in secrets_found if value}
    if not wanted:
        return body

    def swap(match):
        try:
            value = json.loads(match.group(0))
        except (ValueError, RecursionError):
            return match.group(0)
        return json.dumps(replacement).encode() if value in wanted else match.group(0)

    return JSON_STRING.sub(swap, body)


def source_setting(source, name: str, default=""):
    """One dialect setting of a source, secret or not."""
    return (source.secret_settings or {}).get(name) or (source.settings or {}).get(name) or default


def digest_matches(expected: str, received: str) -> bool:
    """Constant-time comparison of two texts (hex digests, tokens, passwords)."""
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def derived_event_id(*parts) -> str:
    """An event id for senders that give none: the parts (learner, course, time) kept readable."""
    readable = ":".join(str(part) for part in parts)
    if len(readable) <= 300:
        return readable
    return f"{parts[0]}:sha256:{hashlib.sha256(readable.encode()).hexdigest()}"


def is_json_content_type(value: str) -> bool:
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class Dialect:
    """Defaults shared by the dialects; each module overrides what its sender does differently."""

    name = ""
    label = ""
    # The intake path below /api/v1/sources/<slug>/: `events`, or `xapi/statements` for an LRS.
    path = "events"
    docs_page = ""  # its page under docs/lms/ when not named after the dialect (google-forms.md)
    settings: tuple[Setting, ...] = ()
    secret_help = ""  # what the source's secret is for this sender, shown in the admin and source_add
    secret_required = True
    # Whether Laurel may make the secret up (a token, a password, a whsec_ key) for staff to paste
    # into the LMS; False where the LMS issues it (Thinkific's API key, Teachable's signing secret).
    secret_generated_here = True
    secret_address = False  # whether the source receives at …/events/<secret> (senders that cannot sign)
    content_type_expected = "application/json"  # named in the 415 answer
    response_headers: dict = {}  # sent with every answer (xAPI's version header)
    authentication_challenge = ""  # WWW-Authenticate on a 401, for senders that use HTTP authentication

    def configured(self, settings: dict) -> "Dialect":
        """This dialect as one source's settings make it; a dialect built from its settings (mapped) answers a bound copy."""
        return self

    def settings_check(self, *, public: dict) -> None:
        """Rules across settings (one of two required, say); raise SettingsError."""

    def secret_needed(self, *, settings: dict) -> bool:
        """Whether a source with these settings needs a secret (a polled-only source may not)."""
        return self.secret_required

    def secret_problem(self, value: str) -> str | None:
        """Why `value` cannot be this dialect's secret, or None."""
        return None

    def secret_generate(self) -> str:
        return secrets.token_hex(32)

    def content_type_accepted(self, content_type: str) -> bool:
        return is_json_content_type(content_type)

    def request_authenticate(self, *, source, request: InboundRequest) -> Any:
        """Raise AuthenticationFailed unless the request comes from the source; return what was verified."""
        raise NotImplementedError

    def request_events(self, *, source, request: InboundRequest, verified: Any) -> list[IncomingEvent]:
        """The events the request carries; RequestRefused answers it with nothing stored (xAPI's 409 for a reused id)."""
        raise NotImplementedError

    def body_secrets(self, *, source, request: InboundRequest) -> list[str]:
        """The secrets this sender puts in its bodies (Moodle's plugin token), which Laurel never stores."""
        return []

    def stored_body(self, *, source, request: InboundRequest) -> bytes:
        """The bytes kept for a one-event request: the raw body, without the secrets `body_secrets` names."""
        return body_secrets_redact(request.body, self.body_secrets(source=source, request=request))

    def headers_kept(self) -> tuple[str, ...]:
        """Headers this source's configuration names that its stored events keep beside the fixed list
        (receive.KEPT_HEADERS): a signature made of the body, so the delivery can be checked again.
        Never one that carries the secret as it is (a token, a password)."""
        return ()

    def payload_parse(self, body: bytes) -> Any:
        """The stored body as the adapter reads it; ValueError if it cannot be read."""
        return json_parse(body)

    def adapt(self, payload: Any) -> tuple[CandidateCompletion, list[FieldError]]:
        """Find the completion in a parsed payload; NotACompletion for a genuine non-completion."""
        raise NotImplementedError

    def enrich(self, *, source, candidate: CandidateCompletion, payload: Any) -> None:
        """Fill in what only the sender's API knows. Runs in the worker; raises EnrichmentFailed."""

    # --- Missing is not failing: facts a course's rules need that the event did not carry ----------
    # When the rules of the course need a fact (`score`, `attendance`: courses.rules.REPORTED_FACTS)
    # that the completion lacks, the decision asks the dialect before anything is decided, and parks
    # the issuance as `<fact>_missing` if it still has none. To plug a sender's API in (Canvas's
    # enrollment score, say): list the facts in `facts_fetchable` and implement `facts_fetch`.
    facts_fetchable: frozenset[str] = frozenset()

    def facts_fetch(self, *, source, candidate: CandidateCompletion, needed: frozenset[str]) -> dict[str, Any]:
        """{fact: value} for the `needed` facts the sender's API knows; leave out (or None) what it has none of.

        `candidate` is the stored event read again by `adapt` (learner and course ids as the sender
        names them, staff corrections applied). Runs in the worker before the decision, with no
        transaction open, and again on each resume. Raise EnrichmentFailed when the API refuses: its
        code and message park the issuance (a refused call is never "no value").
        """
        return {}

    # Shown on the source's page when it is not polled: what a webhook alone can lose (empty: nothing).
    polling_advice = ""

    def connection_check(self, *, source) -> list[ConnectionCheck] | None:
        """Call each API function Laurel needs and say per function OK or what to fix; None if this dialect calls none."""
        return None

    def fact_missing_help(self, fact: str) -> str:
        """What staff configure so that `fact` arrives with this sender's completions."""
        if fact.startswith("extra."):  # a rule's condition on the sender's own data
            return (f"have the source send {fact.removeprefix('extra.')} in the completion's extra data, or correct the "
                    f"rule's path {fact!r} if the source names it otherwise")
        return f"have the source send {fact} with each completion, or issue by hand with the {fact} typed in"

    def reply(self, *, stored: list, request: InboundRequest) -> tuple[int, Any]:
        """The answer for the stored (event, outcome) pairs: 202 accepted, 200 duplicate, 400 parked.

        `request` is there for senders whose answer depends on the method (xAPI's PUT is 204).
        """
        if len(stored) != 1:
            accepted = any(outcome == "accepted" for _, outcome in stored)
            return (202 if accepted else 200), {
                "detail": f"{len(stored)} events stored; they will be validated and processed shortly.",
                "events": [{"event": str(event.pk), "status": outcome} for event, outcome in stored],
            }
        event, outcome = stored[0]
        if outcome == "duplicate":
            return 200, {"event": str(event.pk), "status": "duplicate", "detail": "This event was already received; nothing new happens."}
        if outcome == "parked":
            return 400, {
                "event": str(event.pk),
                "status": "parked",
                "detail": f"{_first_error(event)} It was stored and is in the exception queue.",
            }
        return 202, {"event": str(event.pk), "status": "accepted", "detail": "Stored; it will be validated and processed shortly."}


def _first_error(event) -> str:
    errors = event.errors or []
    return errors[0].get("message", "The body could not be read.") if errors else "The body could not be read."
