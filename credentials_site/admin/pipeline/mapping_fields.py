"""A mapped source's mapping in the admin as a field per part, turned into the mapping file's shape and back.

The fields only gather what staff typed: `mapping_clean` (issuance/sources/mapped/mapping.py) is the one
place that validates, for this page, `source_add` and presets alike. Each of its errors names a key
(`auth.header: ...`), which `mapping_errors_by_field` places under that key's field.
"""

from django import forms

from issuance.sources.mapped.mapping import BODY_FORMATS, PLAIN_FIELDS, SCHEME_KEYS, SCHEMES, SIGNED
from issuance.sources.signatures import ALGORITHMS, ENCODINGS

PREFIX = "mapping__"
AUTH_OPTIONS = ("header", "algorithm", "encoding", "prefix", "signed", "timestamp_header", "tolerance_seconds",
                "parameter", "path", "username")
PATH_HELP = {
    "event_id": "The sender's id of the event (a replay answers duplicate). Empty: derived from learner, course and time.",
    "email": "e.g. data.user.email, or answers[type=email].email", "name": "The full name (or give given and family name).",
    "given_name": "", "family_name": "", "course": "Required: the course id, matched through the course mapping below.",
    "learner_id": "Optional: the sender's id of the learner.", "language": "Optional: the learner's language (a BCP 47 tag).",
}


def scheme_options() -> str:
    """Which auth options each scheme uses, for the page's script that hides the others ('scheme:opt opt;…')."""
    return ";".join(f"{scheme}:{' '.join(key for key, *_ in keys)}" for scheme, keys in SCHEME_KEYS.items())


def _name(key: str) -> str:
    return PREFIX + key.replace(".", "__")


def _text(label: str, help_text: str = "", strip: bool = True, **attrs) -> forms.CharField:
    return forms.CharField(required=False, label=label, help_text=help_text, strip=strip,
                           widget=forms.TextInput(attrs={"size": 50, **attrs}))


def _choice(label: str, values, help_text: str = "", blank: bool = True) -> forms.ChoiceField:
    choices = ([("", "—")] if blank else []) + [(value, value) for value in values]
    return forms.ChoiceField(required=False, label=label, choices=choices, help_text=help_text)


def _declared() -> dict:
    scheme_help = "Exactly one. docs/lms/mapped.md describes each; the options below that the scheme does not use are hidden."
    declared = {
        _name("auth.scheme"): _choice("Authentication scheme", SCHEMES, scheme_help),  # data-scheme-options set below
        _name("auth.header"): _text("Header", "The header carrying the signature or token (hmac, hash_body_secret, token_header)."),
        _name("auth.algorithm"): _choice("Algorithm", tuple(ALGORITHMS), "Default sha256."),
        _name("auth.encoding"): _choice("Encoding", ENCODINGS, "Default hex."),
        _name("auth.prefix"): _text("Prefix", "Text before the value, e.g. sha256= or Bearer (kept exactly, spaces too).", strip=False),
        _name("auth.signed"): _choice("Signed bytes", SIGNED, "body, or timestamp.body: the timestamp header's value, a dot, then the body."),
        _name("auth.timestamp_header"): _text("Timestamp header", "The header holding Unix seconds, when signed is timestamp.body."),
        _name("auth.tolerance_seconds"): _text("Tolerance (seconds)", "How far the timestamp may be from Laurel's clock (default 300)."),
        _name("auth.parameter"): _text("Query parameter", "token_query: the intake URL's query parameter holding the token."),
        _name("auth.path"): _text("Token path", "token_body: the path of the token in the body."),
        _name("auth.username"): _text("Username", "basic: the username the sender sends (the secret is the password)."),
        _name("auth.allowed_addresses"): _text("Allowed addresses", "Optional: addresses or networks the sender posts from, comma-separated."),
        _name("body.format"): _choice("Body format", BODY_FORMATS, "json, form (urlencoded) or multipart (form-data).", blank=False),
        _name("body.events_path"): _text("Events path", "Empty: one event per request. Else the path of the list of events ($ when the body is the list)."),
        _name("body.json_field"): _text("JSON field", "form and multipart: the field whose text is JSON (Jotform's rawRequest)."),
        _name("completion_when.path"): _text("Completion when: path", "The field that says what happened. Empty: every delivery is a completion."),
        _name("completion_when.values"): forms.CharField(
            required=False, label="Completion when: values", help_text="The values that mean completed, one per line; any other is stored as ignored.",
            widget=forms.Textarea(attrs={"rows": 2, "cols": 50})),
    }
    for name in PLAIN_FIELDS:
        declared[_name(f"fields.{name}")] = _text(f"{name.replace('_', ' ').capitalize()} path", PATH_HELP.get(name, ""))
    declared[_name("fields.completed_at.path")] = _text("Completed at path", "Empty: the time Laurel received it.")
    declared[_name("fields.completed_at.format")] = _text(
        "Completed at format", "iso8601 (default), unix, unix_ms, or a strptime pattern such as %d/%m/%Y %H:%M.", list="mapping-time-formats")
    declared[_name("fields.completed_at.time_zone")] = _text("Completed at time zone", "For a time sent without one (default UTC), e.g. Europe/Lisbon.")
    for name in ("score", "attendance"):
        declared[_name(f"fields.{name}.path")] = _text(f"{name.capitalize()} path", "A number, or a percent text such as 86%.")
        declared[_name(f"fields.{name}.max_path")] = _text(f"{name.capitalize()} maximum path", "Optional: the value is read over this maximum.")
    declared[_name("fields.extra")] = forms.CharField(
        required=False, label="Extra fields", help_text="name=path, one per line: kept for rules and merge fields.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 50}))
    for key, help_text in (("url", "Optional: the sender's API address; braces hold paths of the delivery, e.g. …/submission/{submissionID}."),
                           ("header", "The header carrying the confirmation API key (set below as a secret)."),
                           ("agree_path", "The answer's path that must hold…"), ("agree_with", "…what the delivery holds at this path.")):
        declared[_name(f"confirmation.{key}")] = _text(f"Confirmation {key.replace('_', ' ')}", help_text)
    return declared


def _with_scheme_options(declared: dict) -> dict:
    declared[_name("auth.scheme")].widget.attrs["data-scheme-options"] = scheme_options()
    return declared


MappingFields = type("MappingFields", (forms.Form,), _with_scheme_options(_declared()))
FIELD_NAMES = tuple(_declared())

FIELDSETS = (
    ("Mapping: authentication", [_name("auth.scheme"), _name("auth.header"), (_name("auth.algorithm"), _name("auth.encoding")),
                                 _name("auth.prefix"), _name("auth.signed"), (_name("auth.timestamp_header"), _name("auth.tolerance_seconds")),
                                 _name("auth.parameter"), _name("auth.path"), _name("auth.username"), _name("auth.allowed_addresses")]),
    ("Mapping: body and which deliveries are completions", [_name("body.format"), _name("body.events_path"), _name("body.json_field"),
                                                           _name("completion_when.path"), _name("completion_when.values")]),
    ("Mapping: fields (paths such as data.user.email)", [
        _name("fields.event_id"), _name("fields.email"), _name("fields.name"), (_name("fields.given_name"), _name("fields.family_name")),
        _name("fields.course"), _name("fields.learner_id"), _name("fields.language"),
        _name("fields.completed_at.path"), (_name("fields.completed_at.format"), _name("fields.completed_at.time_zone")),
        (_name("fields.score.path"), _name("fields.score.max_path")), (_name("fields.attendance.path"), _name("fields.attendance.max_path")),
        _name("fields.extra")]),
    ("Mapping: confirmation through the sender's API", [_name("confirmation.url"), _name("confirmation.header"),
                                                       (_name("confirmation.agree_path"), _name("confirmation.agree_with"))]),
)


def _given(data, key: str):
    value = data.get(_name(key))
    return value.strip() if isinstance(value, str) and value.strip() else None


def mapping_from_fields(data) -> dict:
    """The mapping file's shape from the fields (a form's cleaned data or a POST); not validated here."""
    scheme = _given(data, "auth.scheme")
    auth = {"scheme": scheme}
    options = [key for key, *_ in SCHEME_KEYS.get(scheme, ())] if scheme else []
    for key in options:  # only the scheme's own options: a value left in another scheme's box is not sent
        raw = data.get(_name(f"auth.{key}")) or ""
        value = raw if key == "prefix" else _given(data, f"auth.{key}")
        if key == "tolerance_seconds" and value is not None and value.isdigit():
            value = int(value)
        if value not in (None, ""):
            auth[key] = value
    if _given(data, "auth.allowed_addresses"):
        auth["allowed_addresses"] = _given(data, "auth.allowed_addresses")
    when_path = _given(data, "completion_when.path")
    values = [line.strip() for line in (data.get(_name("completion_when.values")) or "").splitlines() if line.strip()]
    fields = {name: _given(data, f"fields.{name}") for name in PLAIN_FIELDS}
    at = _given(data, "fields.completed_at.path")
    fields["completed_at"] = {"path": at, "format": _given(data, "fields.completed_at.format") or "iso8601",
                              "time_zone": _given(data, "fields.completed_at.time_zone") or "UTC"} if at else None
    for name in ("score", "attendance"):
        path = _given(data, f"fields.{name}.path")
        fields[name] = {"path": path, "max_path": _given(data, f"fields.{name}.max_path")} if path else None
    extra = {}
    for line in (data.get(_name("fields.extra")) or "").splitlines():
        name, sep, path = line.partition("=")
        if line.strip():
            extra[name.strip() if sep else line.strip()] = path.strip() if sep else None
    fields["extra"] = extra
    confirmation = {key: _given(data, f"confirmation.{key}") for key in ("url", "header", "agree_path", "agree_with")}
    return {"auth": auth, "body": {"format": _given(data, "body.format") or "json", "events_path": _given(data, "body.events_path"),
                                   "json_field": _given(data, "body.json_field")},
            "completion_when": {"path": when_path, "values": values} if when_path or values else None,
            "fields": fields, "confirmation": confirmation if any(confirmation.values()) else None}


def mapping_initial(mapping: dict) -> dict:
    """Each field's value for a saved (cleaned) mapping."""
    initial = {_name("auth.scheme"): mapping["auth"].get("scheme")}
    for key in AUTH_OPTIONS:
        value = mapping["auth"].get(key)
        if value not in (None, ""):
            initial[_name(f"auth.{key}")] = str(value)
    if mapping["auth"].get("allowed_addresses"):
        initial[_name("auth.allowed_addresses")] = ", ".join(mapping["auth"]["allowed_addresses"])
    for key, value in mapping["body"].items():
        initial[_name(f"body.{key}")] = value or ""
    if mapping["completion_when"]:
        initial[_name("completion_when.path")] = mapping["completion_when"]["path"] or ""
        initial[_name("completion_when.values")] = "\n".join(str(value) for value in mapping["completion_when"]["values"])
    fields = mapping["fields"]
    for name in PLAIN_FIELDS:
        initial[_name(f"fields.{name}")] = fields[name] or ""
    for name, parts in (("completed_at", ("path", "format", "time_zone")), ("score", ("path", "max_path")), ("attendance", ("path", "max_path"))):
        for part in parts:
            initial[_name(f"fields.{name}.{part}")] = (fields[name] or {}).get(part) or ""
    initial[_name("fields.extra")] = "\n".join(f"{name}={path or ''}" for name, path in fields["extra"].items())
    for key, value in (mapping["confirmation"] or {}).items():
        initial[_name(f"confirmation.{key}")] = value or ""
    return initial


def mapping_errors_by_field(errors: list[str]) -> dict[str, list[str]]:
    """mapping_clean's errors under the field of their key (the nearest one up the key); '' for those with none."""
    placed: dict[str, list[str]] = {}
    for error in errors:
        key = error.split(":", 1)[0].strip()
        parts = key.split(".")
        field = ""
        while parts:
            if _name(".".join(parts)) in FIELD_NAMES:
                field = _name(".".join(parts))
                break
            if ".".join(parts) == "fields.completed_at":
                field = _name("fields.completed_at.path")
                break
            parts.pop()
        placed.setdefault(field, []).append(error)
    return placed

