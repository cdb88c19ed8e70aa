"""Per-dialect source settings: declared once, validated once, shown in the admin and source_add."""

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,100}$")
MAX_POLL_MINUTES = 7 * 24 * 60
DEFAULT_POLL_MINUTES = 15
ANY_ORIGIN, NO_ORIGIN = "*", "none"  # the `origins` kind's two words


class SettingsError(ValueError):
    """A setting is unknown or its value is bad; the message lists what is valid."""


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    kind: str = "text"  # text, url, json_keyset, json, header, addresses, minutes, origins
    required: bool = False
    secret: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()  # when given, the only values allowed
    cleaner: Callable | None = None  # for kind json: the value as stored, or SettingsError (a mapped source's mapping)


    def clean(self, raw) -> object:
        value = raw.strip() if isinstance(raw, str) else raw
        if value in ("", None):
            if self.required:
                raise SettingsError(f"{self.name} is required: {self.help}")
            return self.default or ""
        if self.choices and value not in self.choices:
            raise SettingsError(f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}.")
        if self.kind == "url":
            parts = urlsplit(str(value))
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise SettingsError(f"{self.name} must be an http(s) URL such as https://lms.example.org, not {value!r}.")
            return str(value).rstrip("/")
        if self.kind == "minutes":
            text = str(value)
            if not text.isdigit() or int(text) > MAX_POLL_MINUTES:
                raise SettingsError(f"{self.name} must be a whole number of minutes from 0 (no polling) to {MAX_POLL_MINUTES}, not {value!r}.")
            return str(int(text))
        if self.kind == "header":
            if not HEADER_NAME.match(str(value)):
                raise SettingsError(f"{self.name} must be an HTTP header name (letters, digits, '-'), not {value!r}.")
            return str(value)
        if self.kind == "addresses":
            entries = [entry.strip() for entry in str(value).replace(",", " ").split() if entry.strip()]
            for entry in entries:
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise SettingsError(f"{self.name}: {entry!r} is not an IP address or network such as 203.0.113.7 or 10.0.0.0/8.") from None
            return ", ".join(entries)
        if self.kind == "origins":
            return _origins_clean(self.name, str(value))
        if self.kind == "json":
            value = json.loads(value) if isinstance(value, str) else value
            return self.cleaner(value) if self.cleaner else value
        if self.kind == "json_keyset":
            keyset = json.loads(value) if isinstance(value, str) else value
            if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list) or not keyset["keys"]:
                raise SettingsError(f'{self.name} must be a JSON Web Key Set: {{"keys": [...]}} with at least one key.')
            return keyset
        return str(value)


def _origins_clean(name: str, value: str) -> str:
    """`*`, `none`, or origins (`https://content.example.org`, comma- or space-separated) as stored; SettingsError otherwise."""
    entries = [entry.strip() for entry in value.replace(",", " ").split() if entry.strip()]
    if entries in ([ANY_ORIGIN], [NO_ORIGIN]):
        return entries[0]
    if not entries:
        return ANY_ORIGIN
    for entry in entries:
        try:
            parts = urlsplit(entry)
            parts.port  # a port that is not a number raises here
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
                or parts.query or parts.fragment or parts.username:
            raise SettingsError(
                f"{name}: {entry!r} is not an origin. Give * (any origin, the default), none (no browser on another "
                "origin), or origins such as https://content.example.org, https://lms.example.edu:8443 (scheme, host and "
                "port only)."
            )
    return ", ".join(entry.rstrip("/").lower() for entry in entries)


def source_settings_validate(*, dialect, values: dict, keep: dict | None = None) -> tuple[dict, dict]:
    """(public settings, secret settings) for `dialect`, or SettingsError naming the valid settings.

    `keep` holds the secret settings already saved: an empty secret value keeps the saved one, so
    a form never has to show a secret again.
    """
    known = {setting.name: setting for setting in dialect.settings}
    unknown = sorted(set(values) - set(known))
    if unknown:
        valid = ", ".join(known) or "none"
        raise SettingsError(f"Unknown setting {', '.join(unknown)} for the {dialect.name} dialect; valid settings: {valid}.")
    public, secret = {}, {}
    for name, setting in known.items():
        raw = values.get(name)
        if setting.secret and raw in ("", None) and keep and keep.get(name):
            raw = keep[name]
        try:
            value = setting.clean(raw)
        except (json.JSONDecodeError, TypeError) as exc:
            raise SettingsError(f"{name} is not valid JSON: {exc}.") from None
        if value in ("", None):
            continue
        (secret if setting.secret else public)[name] = value
    dialect.settings_check(public={**public, **secret})
    return public, secret


def poll_minutes_setting() -> Setting:
    """`poll_minutes`, the one setting every pollable dialect shares."""
    return Setting(
        "poll_minutes",
        f"Minutes between polls (0 = no polling; {DEFAULT_POLL_MINUTES} when left empty and polling is configured).",
        kind="minutes",
    )
