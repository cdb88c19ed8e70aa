"""Checks a connector declares for its settings: URLs the guard allows, fixed choices, NAME=FIELD pairs."""

from urllib.parse import urlsplit

from ...outgoing.guard import private_targets_allowed


def url_check(value: str) -> None:
    parts = urlsplit(value)
    schemes = ("https", "http") if private_targets_allowed() else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"must be an absolute https:// URL without query or fragment, not {value!r}")


def choice_check(*choices: str):
    def check(value: str) -> None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
    return check


def pairs_parse(value: str) -> dict[str, str]:
    """'a=b,c=d' as {'a': 'b', 'c': 'd'}; raises ValueError on an item without '='."""
    pairs = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, field = item.partition("=")
        if not sep or not name.strip() or not field.strip():
            raise ValueError(f"must be NAME=FIELD pairs separated by commas; {item!r} is not")
        pairs[name.strip()] = field.strip()
    return pairs
