"""A rest connection edited with a field per part (auth, each event's call, the outcome, the mappings), not a JSON box.

The fields build the same document the connection file holds (docs/integrations/rest.md), which
`connection_settings_clean` then checks whole, templates rendered against a sample credential.
"""

from django import forms

from issuance.outbound.rest.config import AUTH_TYPES, DEFAULT_SUCCESS, EVENTS, METHODS

WIDE = {"style": "width: 100%; font-family: monospace"}


def _slug(event: str) -> str:
    return event.split(".", 1)[1]


def rest_form_fields() -> dict[str, forms.Field]:
    text = lambda help_text="", **kw: forms.CharField(required=False, help_text=help_text, **kw)  # noqa: E731
    fields = {
        "rest_auth_type": forms.ChoiceField(required=False, choices=[(t, t) for t in AUTH_TYPES], initial="none", label="Auth type",
                                            help_text="none; bearer (the secret is the token); basic (the secret is the password); header or "
                                                      "query (the secret is the key); oauth2_client_credentials (the secret is the client secret)."),
        "rest_auth_username": text("basic: the user name.", label="User name"),
        "rest_auth_name": text("header: the header's name (e.g. X-API-Key); query: the parameter's name.", label="Header or parameter name"),
        "rest_auth_token_url": text("oauth2_client_credentials: the token URL.", label="Token URL"),
        "rest_auth_client_id": text("oauth2_client_credentials: the client id.", label="Client id"),
        "rest_auth_scopes": text("oauth2_client_credentials: the scopes, separated by spaces.", label="Scopes"),
        "rest_auth_client_auth": forms.ChoiceField(required=False, choices=[("basic", "HTTP Basic (default)"), ("body", "in the form body")],
                                                   initial="basic", label="Client authentication"),
    }
    for event in EVENTS:
        slug = _slug(event)
        fields[f"rest_{slug}_method"] = forms.ChoiceField(
            required=False, choices=[("", "no call")] + [(m, m) for m in METHODS], label="Method",
            help_text=f"The call for {event}; “no call” sends nothing for it.")
        fields[f"rest_{slug}_url"] = text("A template, e.g. https://api.example.com/credentials/{{ external_id }}.", label="URL",
                                          widget=forms.TextInput(attrs=WIDE))
        fields[f"rest_{slug}_headers"] = text("One per line: Name: value (a template).", label="Headers",
                                              widget=forms.Textarea(attrs={**WIDE, "rows": 2}))
        fields[f"rest_{slug}_body"] = text('A template that renders JSON: text fields in quotes ("{{ learner.name }}"), openbadge_json without.',
                                           label="Body", widget=forms.Textarea(attrs={**WIDE, "rows": 5}))
    fields.update({
        "rest_success": text("Statuses that mean done, separated by commas.", label="Success statuses", initial=", ".join(map(str, DEFAULT_SUCCESS))),
        "rest_permanent": text("Statuses that fail at once; empty: every 4xx but 408 and 429. Others are retried.", label="Permanent failures"),
        "rest_external_id_path": text("Where the answer holds the system's id, e.g. data.id; offered to later calls as {{ external_id }}.",
                                      label="External id path"),
        "rest_rate_requests": forms.IntegerField(required=False, min_value=1, label="Rate limit: requests",
                                                 help_text="Stored, not enforced yet (docs/integrations/rest.md)."),
        "rest_rate_seconds": forms.IntegerField(required=False, min_value=1, label="Rate limit: per seconds"),
        "rest_mappings": text("One course per line: COURSE-CODE: name=value, name=value (offered as {{ mapping.name }}).", label="Mappings",
                              widget=forms.Textarea(attrs={**WIDE, "rows": 3})),
    })
    return fields


def rest_fieldsets(*, collapsed: bool) -> list:
    classes = ["collapse"] if collapsed else []
    note = "For kind rest only. " if collapsed else ""
    fieldsets = [("REST API: authentication", {"fields": [name for name in rest_form_fields() if name.startswith("rest_auth_")],
                                               "classes": classes, "description": note + "The secret goes in the Secret box above."})]
    for event in EVENTS:
        slug = _slug(event)
        fieldsets.append((f"REST API: the {event} call", {"fields": [f"rest_{slug}_{part}" for part in ("method", "url", "headers", "body")],
                                                           "classes": classes}))
    fieldsets.append(("REST API: outcome and mappings", {"fields": ["rest_success", "rest_permanent", "rest_external_id_path",
                                                                    "rest_rate_requests", "rest_rate_seconds", "rest_mappings"],
                                                         "classes": classes}))
    return fieldsets


def rest_initial(document: dict) -> dict:
    """The fields' values for a stored document."""
    auth = document.get("auth") or {}
    initial = {"rest_auth_type": auth.get("type", "none"), "rest_auth_username": auth.get("username", ""),
               "rest_auth_name": auth.get("name", ""), "rest_auth_token_url": auth.get("token_url", ""),
               "rest_auth_client_id": auth.get("client_id", ""), "rest_auth_scopes": " ".join(auth.get("scopes") or []),
               "rest_auth_client_auth": auth.get("client_auth", "basic")}
    for event, call in (document.get("calls") or {}).items():
        slug = _slug(event)
        initial.update({f"rest_{slug}_method": call.get("method", "POST"), f"rest_{slug}_url": call.get("url", ""),
                        f"rest_{slug}_headers": "\n".join(f"{k}: {v}" for k, v in (call.get("headers") or {}).items()),
                        f"rest_{slug}_body": call.get("body") or ""})
    initial["rest_success"] = ", ".join(map(str, document.get("success") or DEFAULT_SUCCESS))
    initial["rest_permanent"] = ", ".join(map(str, document.get("permanent") or []))
    initial["rest_external_id_path"] = document.get("external_id_path", "")
    rate = document.get("rate_limit") or {}
    initial["rest_rate_requests"], initial["rest_rate_seconds"] = rate.get("requests"), rate.get("per_seconds")
    initial["rest_mappings"] = "\n".join(f"{code}: " + ", ".join(f"{k}={v}" for k, v in values.items())
                                         for code, values in (document.get("mappings") or {}).items())
    return initial


def _statuses(value: str, label: str) -> list:
    try:
        return [int(part) for part in value.replace(",", " ").split()]
    except ValueError:
        raise forms.ValidationError(f"{label}: whole numbers separated by commas, not {value!r}.") from None


def rest_document(data: dict) -> dict | None:
    """The document the fields describe; None when no call has a URL (the Settings box or a preset is used then).

    Raises ValidationError for what only the fields can get wrong (a header line without ':'); the document
    itself is checked by connection_settings_clean.
    """
    if not any(data.get(f"rest_{_slug(event)}_url") for event in EVENTS):
        return None
    kind = data.get("rest_auth_type") or "none"
    auth = {"type": kind}
    if kind == "basic":
        auth["username"] = data.get("rest_auth_username", "")
    elif kind in ("header", "query"):
        auth["name"] = data.get("rest_auth_name", "")
    elif kind == "oauth2_client_credentials":
        auth.update(token_url=data.get("rest_auth_token_url", ""), client_id=data.get("rest_auth_client_id", ""),
                    scopes=(data.get("rest_auth_scopes") or "").split())
        if data.get("rest_auth_client_auth") == "body":
            auth["client_auth"] = "body"
    calls = {}
    for event in EVENTS:
        slug = _slug(event)
        url = (data.get(f"rest_{slug}_url") or "").strip()
        if not url or not data.get(f"rest_{slug}_method"):
            continue
        call = {"method": data[f"rest_{slug}_method"], "url": url}
        headers = {}
        for line in (data.get(f"rest_{slug}_headers") or "").splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise forms.ValidationError(f"The {event} call's headers: one per line as Name: value; {line!r} is not.")
            headers[name.strip()] = value.strip()
        if headers:
            call["headers"] = headers
        if (data.get(f"rest_{slug}_body") or "").strip():
            call["body"] = data[f"rest_{slug}_body"]
        calls[event] = call
    document = {"auth": auth, "calls": calls, "success": _statuses(data.get("rest_success") or "", "Success statuses") or DEFAULT_SUCCESS}
    if (data.get("rest_permanent") or "").strip():
        document["permanent"] = _statuses(data["rest_permanent"], "Permanent failures")
    if (data.get("rest_external_id_path") or "").strip():
        document["external_id_path"] = data["rest_external_id_path"].strip()
    if data.get("rest_rate_requests") or data.get("rest_rate_seconds"):
        document["rate_limit"] = {"requests": data.get("rest_rate_requests"), "per_seconds": data.get("rest_rate_seconds")}
    mappings = {}
    for line in (data.get("rest_mappings") or "").splitlines():
        if not line.strip():
            continue
        code, sep, pairs = line.partition(":")
        values = {}
        for pair in filter(None, (p.strip() for p in pairs.split(","))):
            name, eq, value = pair.partition("=")
            if not eq or not name.strip():
                raise forms.ValidationError(f"Mappings: COURSE-CODE: name=value, …; {line!r} is not.")
            values[name.strip()] = value.strip()
        if not sep or not code.strip():
            raise forms.ValidationError(f"Mappings: COURSE-CODE: name=value, …; {line!r} is not.")
        mappings[code.strip()] = values
    if mappings:
        document["mappings"] = mappings
    return document

