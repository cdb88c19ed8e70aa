"""The `mapped` dialect: a sender Laurel has no module for, read as the source's mapping says (docs/lms/mapped.md).

The dialect in the registry knows no mapping; `configured(settings)` answers a copy bound to one
source's mapping, which the intake, the worker and the admin use. A source whose saved mapping no
longer validates refuses deliveries with 503, so the sender retries once staff have fixed it.
"""

import copy
import hashlib
import io
import secrets
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from ..base import (
    CandidateCompletion, Dialect, FieldError, IncomingEvent, NotACompletion, RequestRefused,
    body_secrets_redact, derived_event_id, is_json_content_type, json_body, json_parse,
)
from ..settings_schema import Setting, SettingsError
from ..standard import StandardWebhooksDialect
from .auth import SECRET_HELP, request_verify
from .confirmation import delivery_confirm
from .mapping import MappingError, mapping_clean
from .paths import WHOLE, path_get

RECEIVED_AT = "laurel_received_at"  # added to a form delivery's stored fields: the time Laurel received it
CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded", "multipart": "multipart/form-data"}


def _mapping_setting(value) -> dict:
    try:
        return mapping_clean(value)
    except MappingError as exc:
        raise SettingsError("The mapping is not valid: " + "; ".join(exc.errors)) from None


class MappedDialect(Dialect):
    name = "mapped"
    label = "Mapped (any JSON or form sender, by a mapping)"
    secret_help_all = "by the mapping's scheme: " + "; ".join(f"{scheme}: {text}" for scheme, text in SECRET_HELP.items())
    settings = (
        Setting("mapping", "The mapping: a JSON document saying how deliveries are authenticated and where each field is "
                "(docs/lms/mapped.md; manage.py source_export writes one).", kind="json", required=True, cleaner=_mapping_setting),
        Setting("confirmation_api_key", "The API key sent with the mapping's confirmation request (Jotform's API key), if it has one.",
                secret=True),
    )
    mapping: dict | None = None

    # --- Bound to one source ----------------------------------------------------------------------
    def configured(self, settings: dict) -> "MappedDialect":
        try:
            mapping = mapping_clean((settings or {}).get("mapping"))
        except MappingError:
            return self
        bound = copy.copy(self)
        bound.mapping = mapping
        return bound

    @property
    def scheme(self) -> str:
        return self.mapping["auth"]["scheme"] if self.mapping else ""

    @property
    def secret_help(self) -> str:
        return SECRET_HELP[self.scheme] if self.mapping else self.secret_help_all

    def headers_kept(self) -> tuple[str, ...]:
        # The signature schemes' headers; a token header is the secret itself, and Basic's is Authorization.
        auth = self.mapping["auth"] if self.mapping else {}
        if auth.get("scheme") not in ("hmac", "hash_body_secret"):
            return ()
        return tuple(name for name in (auth.get("header"), auth.get("timestamp_header")) if name)

    @property
    def secret_address(self) -> bool:
        return self.scheme == "secret_path"

    @property
    def authentication_challenge(self) -> str:
        return 'Basic realm="Laurel"' if self.scheme == "basic" else ""

    @property
    def content_type_expected(self) -> str:
        return CONTENT_TYPES[self.mapping["body"]["format"]] if self.mapping else "application/json"

    def secret_problem(self, value: str) -> str | None:
        if self.scheme == "standard_webhooks":
            return StandardWebhooksDialect().secret_problem(value)
        if len(value) < 16:
            return "Use at least 16 characters: it is all that stands between a stranger and a credential."
        return None

    def secret_generate(self) -> str:
        if self.scheme == "standard_webhooks":
            return StandardWebhooksDialect().secret_generate()
        return secrets.token_urlsafe(32)

    # --- The request ------------------------------------------------------------------------------
    def content_type_accepted(self, content_type: str) -> bool:
        if self.mapping is None:
            return True  # refused below with the reason
        media_type = content_type.split(";", 1)[0].strip().lower()
        fmt = self.mapping["body"]["format"]
        return is_json_content_type(content_type) if fmt == "json" else media_type == CONTENT_TYPES[fmt]

    def _read(self, request):
        """The delivery as an object (JSON, or a form's fields), or None when it cannot be read."""
        fmt = self.mapping["body"]["format"]
        try:
            if fmt == "json":
                return json_parse(request.body)
            if fmt == "form":
                return _fields_object(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
            meta = {"CONTENT_TYPE": request.meta.get("CONTENT_TYPE", ""), "CONTENT_LENGTH": str(len(request.body))}
            fields, files = MultiPartParser(meta, io.BytesIO(request.body), [MemoryFileUploadHandler()], "utf-8").parse()
            document = _fields_object(fields.lists(), lists=True)
            document.update({name: f"(file {upload.name!r}, not kept)" for name, upload in files.items()})
            return document
        except (ValueError, UnicodeDecodeError, MultiPartParserError, SuspiciousOperation):
            return None  # too many fields, a missing boundary, bytes that are no text: unreadable, never a 500

    def _decoded(self, document):
        """The form's JSON field read as JSON, in place (Jotform's rawRequest); unchanged when it is not JSON."""
        field = self.mapping["body"]["json_field"]
        if field and isinstance(document, dict) and isinstance(document.get(field), str):
            try:
                return {**document, field: json_parse(document[field])}
            except ValueError:
                return document
        return document

    def request_authenticate(self, *, source, request):
        if self.mapping is None:
            raise RequestRefused("This source's mapping is not valid; staff must fix it before it can receive.", status=503)
        document = self._read(request)
        message_id = request_verify(auth=self.mapping["auth"], source=source, request=request, document=self._decoded(document))
        return document, message_id

    def body_secrets(self, *, source, request):
        if self.scheme != "token_body":
            return []
        token = path_get(self._decoded(self._read(request)), self.mapping["auth"]["path"])
        return [token] if isinstance(token, str) else []

    def request_events(self, *, source, request, verified):
        document, message_id = verified
        if document is None:  # authentic but unreadable: kept as sent, and parked by the store
            return [IncomingEvent(external_id=derived_event_id("mapped-unreadable", hashlib.sha256(request.body).hexdigest()), body=request.body)]
        hidden = self.body_secrets(source=source, request=request)
        if self.mapping["body"]["format"] == "json":
            stored = self.stored_body(source=source, request=request)
        else:
            document = {**document, RECEIVED_AT: datetime.now(timezone.utc).isoformat(timespec="seconds")}
            stored = body_secrets_redact(json_body(document), hidden)
        events_path = self.mapping["body"]["events_path"]
        if events_path is not None:
            decoded = self._decoded(document)
            events = decoded if events_path == WHOLE else path_get(decoded, events_path)
            if isinstance(events, list):
                bodies = [(element, body_secrets_redact(json_body(element), hidden)) for element in events]
                return [IncomingEvent(external_id=self._event_id(element, body, None), body=body) for element, body in bodies]
        return [IncomingEvent(external_id=self._event_id(self._decoded(document), stored, message_id), body=stored)]

    def _event_id(self, event, body: bytes, message_id) -> str:
        fields = self.mapping["fields"]
        found = path_get(event, fields["event_id"]) if fields["event_id"] else None
        if isinstance(found, (str, int)) and not isinstance(found, bool) and str(found).strip():
            return str(found)[:300]
        if message_id and not fields["event_id"]:
            return message_id
        found = [path_get(event, fields[name]) for name in ("email", "learner_id") if fields[name]]
        learner = next((value for value in found if value not in (None, "")), None)
        course = path_get(event, fields["course"])
        at = path_get(event, fields["completed_at"]["path"]) if fields["completed_at"] else None
        if all(isinstance(part, (str, int, float)) and not isinstance(part, bool) for part in (learner, course, at)):
            return derived_event_id("mapped", learner, course, at)[:300]
        return derived_event_id("mapped", hashlib.sha256(body).hexdigest())

    # --- The stored event -------------------------------------------------------------------------
    def adapt(self, payload):
        if self.mapping is None:
            return CandidateCompletion(), [FieldError("mapping", "This source's mapping is not valid; fix it in the admin.", "mapping_invalid")]
        fields = self.mapping["fields"]
        paths = {name: fields[name] for name in ("email", "name", "given_name", "family_name", "course", "learner_id", "language")
                 if fields[name]}
        for name in ("completed_at", "score", "attendance"):
            if fields[name]:
                paths[name] = fields[name]["path"]
        candidate = CandidateCompletion(paths=paths)
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The delivery must be a JSON object (or one event of a list).", "body_not_object")]
        events_path = self.mapping["body"]["events_path"]
        if events_path not in (None, WHOLE) and path_get(payload, events_path) is not None:
            return candidate, [FieldError(events_path, f"{events_path} must be the list of events, not {type(path_get(payload, events_path)).__name__}.", "events_not_list")]
        json_field = self.mapping["body"]["json_field"]
        if json_field and events_path is None:
            raw = payload.get(json_field)
            if raw is None:
                return candidate, [FieldError(json_field, f"The form field {json_field} holding the JSON is missing.", "json_field_missing")]
            if isinstance(raw, str):
                try:
                    payload = {**payload, json_field: json_parse(raw)}
                except ValueError as exc:
                    return candidate, [FieldError(json_field, f"The form field {json_field} is not valid JSON: {exc}.", "json_field_invalid")]
        when = self.mapping["completion_when"]
        if when:
            value = path_get(payload, when["path"])
            if not any(_same(value, wanted) for wanted in when["values"]):
                raise NotACompletion(f"{when['path']} is {value!r}, not one of {', '.join(map(repr, when['values']))}.")
        for name in ("email", "name", "given_name", "family_name", "course", "learner_id", "language"):
            if fields[name]:
                setattr(candidate, name, path_get(payload, fields[name]))
        errors = []
        if fields["completed_at"]:
            candidate.completed_at, error = _moment(path_get(payload, fields["completed_at"]["path"]), fields["completed_at"])
            errors += [error] if error else []
        for name in ("score", "attendance"):
            if fields[name]:
                value, error = _measure(payload, name, fields[name])
                setattr(candidate, name, value)
                errors += [error] if error else []
        candidate.extra = {name: path_get(payload, path) for name, path in fields["extra"].items() if path}
        return candidate, errors

    def enrich(self, *, source, candidate, payload) -> None:
        """The confirmation, when the mapping asks for one: in the worker, before anything is issued."""
        if self.mapping and self.mapping["confirmation"]:
            delivery = self._decoded(payload) if self.mapping["body"]["events_path"] is None else payload
            delivery_confirm(source=source, confirmation=self.mapping["confirmation"], delivery=delivery)


def _fields_object(pairs, *, lists=False) -> dict:
    document = {}
    for key, value in pairs:
        values = value if lists else [value]
        for item in values:
            if key in document:
                document[key] = (document[key] if isinstance(document[key], list) else [document[key]]) + [item]
            else:
                document[key] = item
    return document


def _same(found, wanted) -> bool:
    if found is None or isinstance(found, (dict, list)):
        return False
    if isinstance(found, bool) or isinstance(wanted, bool):
        return str(found).lower() == str(wanted).lower()
    return found == wanted or str(found) == str(wanted)


def _moment(value, spec: dict) -> tuple[str | None, FieldError | None]:
    """The completion time as ISO 8601 with its offset; a time without a zone is read in the mapping's time zone."""
    if value in (None, ""):
        return None, None
    fmt, zone, path = spec["format"], ZoneInfo(spec["time_zone"]), spec["path"]
    try:
        if fmt in ("unix", "unix_ms"):
            if isinstance(value, bool):
                raise ValueError
            seconds = float(Decimal(str(value))) / (1000 if fmt == "unix_ms" else 1)
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
        elif not isinstance(value, str):
            raise ValueError
        elif fmt == "iso8601":
            moment = datetime.fromisoformat(value.strip())
        else:
            moment = datetime.strptime(value.strip(), fmt)
    except (ValueError, InvalidOperation, OverflowError, OSError):
        expected = {"iso8601": "an ISO 8601 time such as 2026-11-26T09:58:00Z", "unix": "Unix seconds",
                    "unix_ms": "Unix milliseconds"}.get(fmt, f"a time written as {fmt}")
        return None, FieldError(path, f"{path} must be {expected}, not {value!r}.", "completed_at_invalid")
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat(), None


def _measure(payload, name: str, spec: dict):
    """A score or attendance as a percentage: a number, a percent text ('86%'), or a value over the value at max_path."""
    value = path_get(payload, spec["path"])
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1].strip()
    if value in (None, "") or not spec["max_path"]:
        return value, None
    maximum = path_get(payload, spec["max_path"])
    try:
        if isinstance(value, bool) or isinstance(maximum, bool):
            raise InvalidOperation
        total = Decimal(str(maximum))
        if total <= 0:
            raise InvalidOperation
        return str((Decimal(str(value)) * 100 / total).quantize(Decimal("0.01"))), None
    except (InvalidOperation, ValueError):
        return None, FieldError(spec["path"], f"{name} {value!r} over {spec['max_path']} {maximum!r} is not a number over a positive maximum.", f"{name}_invalid")
