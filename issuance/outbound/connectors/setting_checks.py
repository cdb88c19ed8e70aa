"""Checks a connector declares for its settings: URLs the guard allows, fixed choices, NAME=FIELD pairs."""

from urllib.parse import urlsplit

from ...outgoing.guard import private_targets_allowed
from .base import Setting


def url_check(value: str) -> None:
    parts = urlsplit(value)
    schemes = ("https", "http") if private_targets_allowed() else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"must be an absolute https:// URL without query or fragment, not {value!r}")


def rate_limit_check(value: str) -> None:
    """'N/S': at most N calls in any S seconds, both whole numbers above 0 (empty: no limit of its own)."""
    requests, sep, seconds = value.partition("/")
    if not value.strip():
        return
    if not (sep and requests.strip().isdigit() and seconds.strip().isdigit() and int(requests) > 0 and int(seconds) > 0):
        raise ValueError(f"must be calls/seconds with whole numbers above 0, such as 2000/300, not {value!r}")


def rate_limit_setting(documented: str = "no limit") -> Setting:
    """The `rate_limit` setting every kind but REST declares (REST's document has its own `rate_limit`)."""
    return Setting(check=rate_limit_check, label="Rate limit (calls/seconds)",
                   help=f"at most this many calls in that many seconds, across every worker, as calls/seconds (e.g. 100/60); empty: {documented}")


def choice_check(*choices: str):
    def check(value: str) -> None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
    return check


def choice_setting(*choices: str, default: str, help: str) -> Setting:
    """A setting that is one of `choices` (drawn as a choice in the admin)."""
    return Setting(default=default, check=choice_check(*choices), help=help, choices=choices)


def pairs_parse(value: str) -> dict[str, str]:
    """'a=b,c=d' as {'a': 'b', 'c': 'd'}; raises ValueError on an item without '='."""
    pairs = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, field = item.partition("=")
        if not sep or not name.strip() or not field.strip():
            raise ValueError(f"must be NAME=FIELD pairs separated by commas; {item!r} is not")
        pairs[name.strip()] = field.strip()
    return pairs
