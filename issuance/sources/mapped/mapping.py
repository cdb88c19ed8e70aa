"""The mapping of a `mapped` source, validated in one place: the admin, source_add, presets and the dialect all call `mapping_clean`.

The shape is a contract other tools rely on (docs/lms/mapped.md). `mapping_clean` answers the full
shape, every key present (null where not given), or MappingError listing every problem by its key.
"""

import ipaddress
import re
import zoneinfo

from ..settings_schema import HEADER_NAME
from ..signatures import ALGORITHMS, ENCODINGS
from .paths import WHOLE, PathError, path_parse

SCHEMES = ("standard_webhooks", "hmac", "hash_body_secret", "token_header", "token_query", "token_body", "basic", "secret_path")
BODY_FORMATS = ("json", "form", "multipart")
TIME_FORMATS = ("iso8601", "unix", "unix_ms")
SIGNED = ("body", "timestamp.body")
PLAIN_FIELDS = ("event_id", "email", "name", "given_name", "family_name", "course", "learner_id", "language")
MEASURED_FIELDS = ("score", "attendance")
DEFAULT_TOLERANCE_SECONDS = 300
MAX_EXTRA_FIELDS = 50

# Each scheme's own keys: (key, required, default, allowed values or None).
SCHEME_KEYS = {
    "standard_webhooks": (),
    "hmac": (("header", True, None, None), ("algorithm", False, "sha256", tuple(ALGORITHMS)), ("encoding", False, "hex", ENCODINGS),
             ("prefix", False, "", None), ("signed", False, "body", SIGNED), ("timestamp_header", False, None, None),
             ("tolerance_seconds", False, DEFAULT_TOLERANCE_SECONDS, None)),
    "hash_body_secret": (("header", True, None, None), ("algorithm", False, "sha256", tuple(ALGORITHMS)),
                         ("encoding", False, "hex", ENCODINGS), ("prefix", False, "", None)),
    "token_header": (("header", True, None, None), ("prefix", False, "", None)),
    "token_query": (("parameter", True, None, None),),
    "token_body": (("path", True, None, None),),
    "basic": (("username", True, None, None),),
    "secret_path": (),
}


class MappingError(ValueError):
    """The mapping cannot be used; `errors` lists each problem as '<key>: <what is wrong>'."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class _Collector:
    def __init__(self):
        self.errors: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.errors.append(f"{key}: {message}")

    def path(self, key: str, value, *, whole_allowed=False):
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(key, f"must be a path such as data.user.email, not {value!r}.")
            return None
        if value == WHOLE and not whole_allowed:
            self.add(key, "$ (the whole delivery) is only for body.events_path.")
            return None
        try:
            path_parse(value)
        except PathError as exc:
            self.add(key, str(exc))
            return None
        return value

    def section(self, mapping: dict, key: str) -> dict:
        value = mapping.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(key, f"must be an object, not {type(value).__name__}.")
            return {}
        return value

    def unknown(self, key: str, section: dict, known) -> None:
        extra = sorted(set(section) - set(known))
        if extra:
            self.add(key, f"unknown key {', '.join(map(repr, extra))}; valid keys: {', '.join(known)}.")


def _auth(c: _Collector, mapping: dict) -> dict:
    auth = c.section(mapping, "auth")
    scheme = auth.get("scheme")
    if scheme not in SCHEMES:
        c.add("auth.scheme", f"must be one of {', '.join(SCHEMES)}, not {scheme!r}.")
        return {"scheme": scheme}
    cleaned = {"scheme": scheme}
    keys = SCHEME_KEYS[scheme]
    c.unknown("auth", auth, ("scheme", "allowed_addresses", *(k for k, *_ in keys)))
    for key, required, default, allowed in keys:
        value = auth.get(key)
        if value in (None, "") and key != "prefix":
            if required:
                c.add(f"auth.{key}", f"is required for the {scheme} scheme.")
            value = default
        elif allowed and value not in allowed:
            c.add(f"auth.{key}", f"must be one of {', '.join(allowed)}, not {value!r}.")
        elif key in ("header", "timestamp_header") and not (isinstance(value, str) and HEADER_NAME.match(value)):
            c.add(f"auth.{key}", f"must be an HTTP header name (letters, digits, '-'), not {value!r}.")
        elif key == "tolerance_seconds" and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 86400):
            c.add("auth.tolerance_seconds", f"must be whole seconds from 1 to 86400, not {value!r}.")
        elif key == "path":
            value = c.path("auth.path", value)
        elif key in ("prefix", "parameter", "username") and not isinstance(value, str if key != "prefix" else (str, type(None))):
            c.add(f"auth.{key}", f"must be text, not {value!r}.")
        cleaned[key] = "" if key == "prefix" and value is None else value
    if scheme == "hmac" and cleaned.get("signed") == "timestamp.body" and not cleaned.get("timestamp_header"):
        c.add("auth.timestamp_header", "is required when signed is timestamp.body.")
    addresses = auth.get("allowed_addresses")
    if addresses is not None:
        entries = addresses.replace(",", " ").split() if isinstance(addresses, str) else addresses
        if not isinstance(entries, list):
            c.add("auth.allowed_addresses", "must be a list of addresses or networks.")
            entries = []
        for entry in entries:
            try:
                ipaddress.ip_network(str(entry).strip(), strict=False)
            except ValueError:
                c.add("auth.allowed_addresses", f"{entry!r} is not an IP address or network such as 203.0.113.7 or 10.0.0.0/8.")
        cleaned["allowed_addresses"] = [str(entry).strip() for entry in entries] or None
    return cleaned


def _body(c: _Collector, mapping: dict) -> dict:
    body = c.section(mapping, "body")
    c.unknown("body", body, ("format", "events_path", "json_field"))
    fmt = body.get("format") or "json"
    if fmt not in BODY_FORMATS:
        c.add("body.format", f"must be one of {', '.join(BODY_FORMATS)}, not {fmt!r}.")
    json_field = body.get("json_field")
    if json_field is not None:
        if fmt == "json":
            c.add("body.json_field", "is only for the form and multipart formats (the field holding the JSON).")
        elif not isinstance(json_field, str) or not json_field.strip():
            c.add("body.json_field", f"must be a form field's name, not {json_field!r}.")
    return {"format": fmt, "events_path": c.path("body.events_path", body.get("events_path"), whole_allowed=True), "json_field": json_field}


def _completion_when(c: _Collector, mapping: dict) -> dict | None:
    when = mapping.get("completion_when")
    if when is None:
        return None
    if not isinstance(when, dict):
        c.add("completion_when", "must be an object with path and values, or null (every event is a completion).")
        return None
    c.unknown("completion_when", when, ("path", "values"))
    if when.get("path") is None:
        c.add("completion_when.path", "is required.")
    values = when.get("values")
    if not isinstance(values, list) or not values or not all(isinstance(v, (str, int, float, bool)) for v in values):
        c.add("completion_when.values", f"must be a non-empty list of the values that mean 'completed', not {values!r}.")
        values = []
    return {"path": c.path("completion_when.path", when.get("path")), "values": values}


def _time_format(c: _Collector, value) -> str:
    if value in (None, ""):
        return "iso8601"
    if value in TIME_FORMATS:
        return value
    if isinstance(value, str) and re.search(r"%[a-zA-Z]", value):
        return value
    c.add("fields.completed_at.format", f"must be iso8601, unix, unix_ms or a strptime pattern such as %d/%m/%Y %H:%M, not {value!r}.")
    return value


def _fields(c: _Collector, mapping: dict) -> dict:
    given = c.section(mapping, "fields")
    c.unknown("fields", given, (*PLAIN_FIELDS, "completed_at", *MEASURED_FIELDS, "extra"))
    cleaned = {name: c.path(f"fields.{name}", given.get(name)) for name in PLAIN_FIELDS}
    if cleaned["course"] is None and "fields.course" not in " ".join(c.errors):
        c.add("fields.course", "is required: the path of the course id (mapped through the source's course table).")
    at = given.get("completed_at")
    if isinstance(at, str):
        at = {"path": at}
    if at is None:
        cleaned["completed_at"] = None
    elif not isinstance(at, dict):
        c.add("fields.completed_at", "must be a path or an object with path, format and time_zone.")
        cleaned["completed_at"] = None
    else:
        c.unknown("fields.completed_at", at, ("path", "format", "time_zone"))
        zone = at.get("time_zone") or "UTC"
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            c.add("fields.completed_at.time_zone", f"must be a time zone name such as Europe/Lisbon, not {zone!r}.")
        if at.get("path") is None:
            c.add("fields.completed_at.path", "is required.")
        cleaned["completed_at"] = {"path": c.path("fields.completed_at.path", at.get("path")),
                                   "format": _time_format(c, at.get("format")), "time_zone": zone}
    for name in MEASURED_FIELDS:
        value = given.get(name)
        if isinstance(value, str):
            value = {"path": value}
        if value is None:
            cleaned[name] = None
        elif not isinstance(value, dict) or value.get("path") is None:
            c.add(f"fields.{name}", "must be a path or an object with path and max_path.")
            cleaned[name] = None
        else:
            c.unknown(f"fields.{name}", value, ("path", "max_path"))
            cleaned[name] = {"path": c.path(f"fields.{name}.path", value.get("path")),
                             "max_path": c.path(f"fields.{name}.max_path", value.get("max_path"))}
    extra = given.get("extra") or {}
    if not isinstance(extra, dict) or len(extra) > MAX_EXTRA_FIELDS:
        c.add("fields.extra", f"must be an object of at most {MAX_EXTRA_FIELDS} names and paths.")
        extra = {}
    cleaned["extra"] = {str(name): c.path(f"fields.extra.{name}", path) for name, path in extra.items()}
    return cleaned


def _confirmation(c: _Collector, mapping: dict) -> dict | None:
    given = mapping.get("confirmation")
    if given is None:
        return None
    if not isinstance(given, dict):
        c.add("confirmation", "must be an object with url and header, or null.")
        return None
    c.unknown("confirmation", given, ("url", "header", "agree_path", "agree_with"))
    url = given.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^/{}]+", url):
        c.add("confirmation.url", f"must be an http(s) address such as https://api.example.org/submission/{{submissionID}}, not {url!r}.")
    else:
        for placeholder in re.findall(r"\{([^{}]+)\}", url):
            c.path("confirmation.url", placeholder)
    header = given.get("header")
    if not (isinstance(header, str) and HEADER_NAME.match(header)):
        c.add("confirmation.header", f"must be the HTTP header that carries the API key, not {header!r}.")
    agree_path, agree_with = given.get("agree_path"), given.get("agree_with")
    if (agree_path is None) != (agree_with is None):
        c.add("confirmation.agree_with", "agree_path and agree_with go together: the answer's path and the delivery's path that must match.")
    return {"url": url, "header": header, "agree_path": c.path("confirmation.agree_path", agree_path),
            "agree_with": c.path("confirmation.agree_with", agree_with)}


def mapping_clean(mapping) -> dict:
    """The mapping with every key present, or MappingError naming each problem."""
    c = _Collector()
    if not isinstance(mapping, dict):
        raise MappingError([f"mapping: must be a JSON object with auth, body, completion_when and fields, not {type(mapping).__name__}."])
    c.unknown("mapping", mapping, ("auth", "body", "completion_when", "fields", "confirmation"))
    cleaned = {"auth": _auth(c, mapping), "body": _body(c, mapping), "completion_when": _completion_when(c, mapping),
               "fields": _fields(c, mapping), "confirmation": _confirmation(c, mapping)}
    if cleaned["auth"].get("scheme") == "token_body" and cleaned["body"]["events_path"] == WHOLE:
        c.add("auth.path", "a token in the body needs a body that is an object, not a list of events.")
    if c.errors:
        raise MappingError(c.errors)
    return cleaned
