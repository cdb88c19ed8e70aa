"""xAPI: Laurel as a minimal LRS statements endpoint for one source (…/xapi/statements, …/xapi/about).

HTTP Basic with the source's `key` and secret; `X-Experience-API-Version` 1.0.0 to 1.0.3 (xAPI
1.0.3 Part Three §3.3: any 1.0.x, and "1.0" read as 1.0.0). Two ways in, as xAPI 1.0.3 §2.1.1 has
them and as real runtimes use them:

- `POST statements`: a statement or an array of them, answered 200 with their ids. TinCanPython
  without an id and `@xapi/xapi` send this.
- `PUT statements?statementId=<uuid>`: one statement, answered 204. TinCanPython with an id and
  every TinCanJS runtime (it stamps an id on each statement) send only this; a `405` here meant
  no authoring tool built on TinCanJS could deliver a completion.

Each statement is one event keyed by its id, so the same statement again (by POST or PUT) is a
duplicate that changes nothing, and another statement under a stored id is 409 Conflict. As an LRS does, Laurel gives a statement without an `id` one, and sets
`stored` (and `timestamp` when absent) before keeping it.
"""

import base64
import json
import re
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from ...models import CompletionEvent, LearnerIdentity
from ..base import (
    AuthenticationFailed,
    CandidateCompletion,
    Dialect,
    EnrichmentFailed,
    FieldError,
    IncomingEvent,
    NotACompletion,
    RequestRefused,
    derived_event_id,
    digest_matches,
    json_body,
    json_parse,
    source_setting,
)
from ..settings_schema import Setting, SettingsError, poll_minutes_setting

VERSION = re.compile(r"^1\.0(\.\d+)?$")
# What GET about answers, newest first (xAPI 1.0.3 Part Three §2.8).
VERSIONS_SUPPORTED = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETION_VERBS = {ADL + "completed", ADL + "passed", ADL + "failed"}


def _percent(result: dict):
    score = result.get("score") if isinstance(result.get("score"), dict) else {}
    try:
        if score.get("scaled") is not None:
            return (Decimal(str(score["scaled"])) * 100).normalize(), "result.score.scaled"
        if score.get("raw") is not None and score.get("max"):
            return (Decimal(str(score["raw"])) / Decimal(str(score["max"])) * 100).quantize(Decimal("0.01")), "result.score.raw"
    except (InvalidOperation, ArithmeticError):
        return str(score), "result.score"
    return None, "result.score"


def _put_statement(request) -> dict:
    """The statement a `PUT statements?statementId=` carries, or RequestRefused (400) saying what is wrong.

    Nothing is stored for a refused PUT: the runtime is told at once, and a corrected retry with the
    same statementId is then not taken for a duplicate of the wrong one.
    """
    given = parse_qs(str(request.meta.get("QUERY_STRING", ""))).get("statementId", [])
    if len(given) != 1:
        raise RequestRefused("PUT statements needs exactly one statementId parameter (…/statements?statementId=<uuid>); "
                             "to send a statement without an id, POST it.")
    try:
        statement_id = str(uuid.UUID(given[0]))
    except ValueError:
        raise RequestRefused(f"statementId must be a UUID, not {given[0][:100]!r}.") from None
    try:
        statement = json_parse(request.body)
    except ValueError:
        raise RequestRefused("The body of PUT statements must be one statement as JSON; it is not readable JSON.") from None
    if not isinstance(statement, dict):
        raise RequestRefused("PUT statements takes one statement (a JSON object); POST an array of statements instead.")
    body_id = statement.get("id")
    if body_id is not None and (not isinstance(body_id, str) or body_id.lower() != statement_id):
        raise RequestRefused(f"The statement's id {str(body_id)[:100]!r} differs from statementId {statement_id!r}.")
    return {**statement, "id": statement_id}


# What an LRS sets or may set itself, so a difference there is no conflict (xAPI 1.0.3 Part Two §2.3.1).
LRS_SET = ("id", "stored", "authority", "version")


def _statement_id(value) -> str:
    """A statement id as one spelling: a UUID in lower case (xAPI ids are UUIDs, compared without case)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _differences(kept: dict, received: dict) -> list[str]:
    """The properties in which `received` is another statement than `kept`; none for the same one sent again."""
    ignored = set(LRS_SET)
    if "timestamp" not in received or kept.get("timestamp") == kept.get("stored"):
        ignored.add("timestamp")  # filled in by Laurel when the first had none
    names = (set(kept) | set(received)) - ignored
    return sorted(name for name in names if kept.get(name) != received.get(name))


def _conflicts_refuse(*, source, statements: list) -> None:
    """RequestRefused (409) when a statement reuses an id this source holds for another statement; nothing is stored.

    xAPI 1.0.3 Part Three §2.1.1/§2.1.2: the LRS verifies a statement under a stored id matches and
    answers 409 Conflict when it does not. A kept body that no longer reads (emptied by retention)
    cannot be compared, so the statement is taken as the duplicate it claims to be.
    """
    received = {str(s["id"]): s for s in statements if isinstance(s, dict) and s.get("id") is not None}
    if not received:
        return
    kept = CompletionEvent.objects.filter(source=source, external_id__in=list(received)).values_list("external_id", "body")
    conflicts = []
    for external_id, body in kept:
        try:
            stored = json_parse(bytes(body))
        except ValueError:
            continue
        differing = _differences(stored, received[external_id]) if isinstance(stored, dict) else []
        if differing:
            conflicts.append(f"{external_id} (differs in {', '.join(differing)})")
    if conflicts:
        raise RequestRefused(
            f"Statement id already stored with another statement: {'; '.join(conflicts)}. A statement is never changed; "
            "send the new one with a new id. Nothing of this request was stored.", status=409,
        )


def _one_statement(external_id: str, statement) -> IncomingEvent:
    """One statement of a batch as its own event; one that is not text is kept escaped, parked by name.

    A lone UTF-16 surrogate (`"\\ud800"`) parses but cannot be encoded, so writing the statement
    as UTF-8 raised and the whole batch was a 500. Escaped, it is stored like any statement and
    parked on its own as `body_not_text` naming where it is; the batch's other statements go on.
    """
    try:
        body = json_body(statement)
        external_id.encode("utf-8")
        if "\x00" not in external_id:
            return IncomingEvent(external_id=external_id, body=body)
    except UnicodeEncodeError:
        pass
    return IncomingEvent(external_id=derived_event_id("xapi-not-text", uuid.uuid4()), body=json.dumps(statement).encode("ascii"))


class XapiDialect(Dialect):
    name = "xapi"
    label = "xAPI statements (Laurel as LRS)"
    path = "xapi/statements"
    secret_help = "the password of the LRS credentials (the key is the `key` setting)"
    settings = (
        Setting("key", "Laurel as LRS: the key (HTTP Basic user name) the activity provider is given."),
        Setting("lrs_url", "To poll an LRS: its xAPI endpoint, the address /statements hangs from.", kind="url"),
        Setting("lrs_key", "To poll: the LRS key (HTTP Basic user name) Laurel reads with."),
        Setting("lrs_secret", "To poll: the LRS secret (HTTP Basic password) Laurel reads with.", secret=True),
        poll_minutes_setting(),
        Setting("cors_origins", "Laurel as LRS, for runtimes in a browser (TinCanJS): the origins whose pages may send "
                "statements, e.g. https://content.example.org; * for any (the default: the key and secret are the "
                "authentication), none for no browser on another origin.", kind="origins"),
    )
    response_headers = {"X-Experience-API-Version": "1.0.3"}
    authentication_challenge = 'Basic realm="Laurel LRS"'

    def settings_check(self, *, public):
        if not (public.get("key") or public.get("lrs_url")):
            raise SettingsError("Give key (activity providers post statements to Laurel) or lrs_url, lrs_key and lrs_secret (Laurel polls an LRS).")
        if public.get("lrs_url") and not (public.get("lrs_key") and public.get("lrs_secret")):
            raise SettingsError("Polling an LRS needs lrs_key and lrs_secret with lrs_url (HTTP Basic).")

    def secret_needed(self, *, settings: dict) -> bool:
        return bool(settings.get("key"))  # a polled-only LRS source takes no statements, so needs no password

    def request_authenticate(self, *, source, request):
        scheme, _, encoded = str(request.meta.get("HTTP_AUTHORIZATION", "")).partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        keys = [secret for secret in (source.signing_secret, source.signing_secret_next) if secret]
        valid = scheme.lower() == "basic" and digest_matches(source_setting(source, "key"), user)
        if not (any([digest_matches(key, password) for key in keys]) and valid):
            raise AuthenticationFailed("HTTP Basic authentication with this source's LRS key and secret is required.")
        version = request.header("X-Experience-API-Version")
        if not VERSION.match(version):
            raise RequestRefused(
                f"X-Experience-API-Version must be one of {', '.join(reversed(VERSIONS_SUPPORTED))} "
                f"(Laurel is an xAPI 1.0.3 LRS), not {version or 'missing'!r}."
            )
        if request.meta.get("REQUEST_METHOD") == "PUT":
            return _put_statement(request)
        return None

    def request_events(self, *, source, request, verified):
        if verified is not None:  # PUT: the one statement, its id checked against statementId
            statements = [verified]
        else:
            try:
                parsed = json_parse(request.body)
            except ValueError:
                return [IncomingEvent(external_id=derived_event_id("xapi-unreadable", uuid.uuid4()), body=request.body)]
            statements = parsed if isinstance(parsed, list) else [parsed]
            statements = [{**s, "id": _statement_id(s["id"])} if isinstance(s, dict) and s.get("id") is not None else s
                          for s in statements]
        _conflicts_refuse(source=source, statements=statements)
        stored = timezone.now().isoformat().replace("+00:00", "Z")
        events = []
        for statement in statements:
            if isinstance(statement, dict):
                statement = {"id": str(uuid.uuid4()), **statement, "stored": stored}
                statement.setdefault("timestamp", stored)
                external_id = str(statement["id"])[:300]
            else:
                external_id = derived_event_id("xapi-not-a-statement", uuid.uuid4())
            events.append(_one_statement(external_id, statement))
        return events

    def reply(self, *, stored, request):
        if len(stored) == 1 and stored[0][0].external_id.startswith("xapi-unreadable"):
            return 400, {"detail": "The body is not a statement or an array of statements; it was stored and parked.", "event": str(stored[0][0].pk)}
        if request.meta.get("REQUEST_METHOD") == "PUT":
            return 204, None  # stored, or a duplicate of a statement already stored: the same answer (§2.1.1)
        return 200, [event.external_id for event, _ in stored]

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={"email": "actor.mbox", "name": "actor.name", "course": "object.id", "completed_at": "timestamp", "learner_id": "actor", "score": "result.score"}
        )
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "A statement must be a JSON object.", "body_not_object")]
        verb = payload.get("verb") if isinstance(payload.get("verb"), dict) else {}
        result = payload.get("result") if isinstance(payload.get("result"), dict) else {}
        if verb.get("id") not in COMPLETION_VERBS and result.get("completion") is not True:
            raise NotACompletion(f"xAPI verb {verb.get('id')!r} without result.completion is not a completion.")
        actor = payload.get("actor") if isinstance(payload.get("actor"), dict) else {}
        candidate.name = actor.get("name")
        if isinstance(actor.get("mbox"), str):
            candidate.email = actor["mbox"].removeprefix("mailto:")
        elif actor.get("mbox_sha1sum"):
            candidate.learner_id, candidate.paths["learner_id"] = f"mbox_sha1sum:{actor['mbox_sha1sum']}", "actor.mbox_sha1sum"
        elif isinstance(actor.get("account"), dict):
            account = actor["account"]
            candidate.learner_id, candidate.paths["learner_id"] = f"{account.get('homePage')}|{account.get('name')}", "actor.account"
        activity = payload.get("object") if isinstance(payload.get("object"), dict) else {}
        candidate.course = activity.get("id")
        if isinstance(candidate.course, str):
            # A course code is often the activity IRI's last segment: https://lms.example.edu/courses/saf-101.
            candidate.course_code = urlsplit(candidate.course).path.rstrip("/").rsplit("/", 1)[-1] or None
        candidate.completed_at = payload.get("timestamp")
        candidate.score, candidate.paths["score"] = _percent(result)
        candidate.extra = {"verb": verb.get("id"), "success": result.get("success")}
        return candidate, []

    def enrich(self, *, source, candidate, payload):
        """A learner known only by an account or a hashed mailbox: the address staff gave before, if any."""
        if candidate.email or not candidate.learner_id:
            return
        identity = LearnerIdentity.objects.filter(source=source, external_id=str(candidate.learner_id)).select_related("learner").first()
        if identity is not None:
            candidate.email, candidate.paths["email"] = identity.learner.email, f"{candidate.path('learner_id')} (known learner)"
            candidate.name = candidate.name or identity.learner.name
            return
        raise EnrichmentFailed(
            f"The statement names the learner only as {candidate.learner_id!r}; correct the email once and later "
            "statements from this account will find it.",
            code="xapi_account_without_email",
            field=candidate.path("learner_id"),
        )
