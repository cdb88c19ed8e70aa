"""The path syntax of a mapping: where a value sits in a delivery, written as text, never as code.

    data.user.email                 keys of objects, separated by dots
    items.0.id   or   items[0].id   a list's element by its position (0 is the first; -1 the last)
    answers[type=email].email       the first element of a list whose `type` is "email"
    answers[field.ref=name].text    the filter's key may itself be a dotted path
    $                               the whole delivery (only where a list of events is the body)

Keys may hold any character but `.`, `[`, `]` and `=`. A path that leads nowhere reads as "not given".
"""

import re
from dataclasses import dataclass

KEY = r"[^.\[\]=]+"
SEGMENT = re.compile(rf"(?P<key>{KEY})?(?P<filters>(?:\[[^\]]*\])*)$")
FILTER = re.compile(rf"\[(?:(?P<index>-?\d+)|(?P<fkey>{KEY}(?:\.{KEY})*)=(?P<value>[^\]]*))\]")
WHOLE = "$"
MAX_LENGTH = 300


class PathError(ValueError):
    """The path is not written in the syntax above; the message says where."""


@dataclass(frozen=True)
class Step:
    key: str | None = None  # an object's key, or a list position when it is digits
    index: int | None = None
    where: tuple[tuple[str, ...], str] | None = None  # (dotted key, value) of a filter


def path_parse(path: str) -> tuple[Step, ...]:
    if not isinstance(path, str) or not path.strip():
        raise PathError("A path must be text such as data.user.email.")
    if len(path) > MAX_LENGTH:
        raise PathError(f"A path is at most {MAX_LENGTH} characters.")
    if path == WHOLE:
        return ()
    steps = []
    # Split on dots outside brackets: a filter's key (field.ref) may hold dots.
    for segment in re.split(r"\.(?![^\[]*\])", path):
        match = SEGMENT.match(segment)
        if not segment or match is None or not (match.group("key") or match.group("filters")):
            raise PathError(f"{path!r}: {segment!r} is not a key, a position or a [key=value] filter.")
        key = match.group("key")
        if key is not None:
            steps.append(Step(index=int(key)) if re.fullmatch(r"-?\d+", key) else Step(key=key))
        filters = match.group("filters")
        consumed = "".join(f.group(0) for f in FILTER.finditer(filters))
        if consumed != filters:
            raise PathError(f"{path!r}: {filters!r} must be [N] or [key=value].")
        for found in FILTER.finditer(filters):
            if found.group("index") is not None:
                steps.append(Step(index=int(found.group("index"))))
            else:
                steps.append(Step(where=(tuple(found.group("fkey").split(".")), found.group("value"))))
    return tuple(steps)


MISSING = object()


def _walk(value, keys):
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", key) and -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            return MISSING
    return value


def path_get(document, path: str | tuple[Step, ...], default=None):
    """The value at `path` in `document`, or `default` when the path leads nowhere."""
    steps = path_parse(path) if isinstance(path, str) else path
    value = document
    for step in steps:
        if step.key is not None:
            value = value.get(step.key, MISSING) if isinstance(value, dict) else MISSING
        elif step.index is not None:
            if isinstance(value, dict) and str(step.index) in value:
                value = value[str(step.index)]
            elif isinstance(value, list) and -len(value) <= step.index < len(value):
                value = value[step.index]
            else:
                value = MISSING
        else:
            keys, wanted = step.where
            if not isinstance(value, list):
                value = MISSING
            else:
                value = next((item for item in value if _matches(_walk(item, keys), wanted)), MISSING)
        if value is MISSING:
            return default
    return value


def _matches(found, wanted: str) -> bool:
    if found is MISSING or isinstance(found, (dict, list)) or found is None:
        return False
    if isinstance(found, bool):
        return str(found).lower() == wanted.lower()
    return str(found) == wanted
