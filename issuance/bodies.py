"""A webhook body within bounds: read at most 256 KiB, parse JSON at most 32 levels deep, keep only storable text.

Every receiving view calls `webhook_body_read` and `webhook_body_parse`; the worker and the admin
parse a stored body with the same `webhook_body_parse`, so all three agree on what is readable.
Every other JSON request body (the wallet exchanges, OpenID4VCI, the staff API, the email tracking
webhook) is read by `json_request_parse`, the same parse with the same limits.
"""

from .errors import text_storable
from .sources.base import FieldError, JsonTooDeep, json_parse

MAX_BODY_BYTES = 256 * 1024
# A completion is a few levels deep; far more only ever comes from a sender probing the parser.
MAX_JSON_DEPTH = 32


class BodyRefused(Exception):
    """The request's body cannot be read: answer `status` with `detail`; nothing was stored."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def webhook_body_read(request) -> bytes:
    """The body, never more than the limit plus one byte read. Raises BodyRefused (411, 413).

    A chunked body has no Content-Length. Django reads such a request as empty, so it is read from
    the server's de-chunked input when the server says it ends that input (`wsgi.input_terminated`,
    as gunicorn does); a server that does not de-chunk gets 411 rather than a silently empty body.
    """
    django_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    meta = django_request.META
    declared = (meta.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if chunked and not declared:
        if not meta.get("wsgi.input_terminated"):
            raise BodyRefused(411, "Send the body with a Content-Length header; chunked bodies are not read by this server.")
        body = meta["wsgi.input"].read(MAX_BODY_BYTES + 1)
    else:
        if declared and not declared.isdigit():
            raise BodyRefused(400, f"Content-Length {declared[:40]!r} is not a number of bytes.")
        if declared and int(declared) > MAX_BODY_BYTES:
            raise BodyRefused(413, f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
        body = django_request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise BodyRefused(413, f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
    return body


def webhook_body_parse(body: bytes, *, parse=json_parse) -> tuple[object, FieldError | None]:
    """(payload, None), or (None, the error that makes it unusable). Never raises on any bytes.

    `parse` is the dialect's reading of the body: JSON, or for Canvas a signed token's claims.
    """
    try:
        payload = parse(body)
    except (JsonTooDeep, RecursionError):
        return None, FieldError("body", f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "body_too_deep")
    except (UnicodeDecodeError, ValueError) as exc:
        return None, FieldError("body", f"The body is not valid JSON: {text_storable(str(exc))}.", "body_not_json")
    error = payload_check(payload)
    return (None, error) if error else (payload, None)


def json_body_refusal(body: bytes) -> tuple[object, str, dict]:
    """(payload, "", {}), or (None, why, its values): the same bounded parse, its refusal as a code for a
    caller that words it itself (the verify page, in its visitor's language). `why` is `too_large`
    (`limit` KiB), `body_too_deep` (`depth`), `body_not_json` (`reason`, the parser's words) or
    `body_not_text` (`field`)."""
    if len(body) > MAX_BODY_BYTES:
        return None, "too_large", {"limit": MAX_BODY_BYTES // 1024}
    try:
        payload = json_parse(body)
    except (JsonTooDeep, RecursionError):
        return None, "body_too_deep", {"depth": MAX_JSON_DEPTH}
    except (UnicodeDecodeError, ValueError) as exc:
        return None, "body_not_json", {"reason": text_storable(str(exc))}
    error = payload_check(payload)
    if error is None:
        return payload, "", {}
    if error.code == "body_too_deep":
        return None, "body_too_deep", {"depth": MAX_JSON_DEPTH}
    return None, error.code, {"field": error.field}


def json_request_parse(body: bytes, *, empty=None) -> object:
    """A request's JSON body, bounded like a webhook's; BodyRefused (400 or 413) naming why it cannot be read.

    `empty` is what an empty body means to the endpoint (an LCW exchange's first step is `{}`).
    """
    if len(body) > MAX_BODY_BYTES:
        raise BodyRefused(413, f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
    if not body.strip() and empty is not None:
        return empty
    payload, error = webhook_body_parse(body)
    if error:
        raise BodyRefused(400, error.message)
    return payload


def payload_check(payload) -> FieldError | None:
    """The first reason a parsed payload cannot be kept: too deep, or a string that is not storable text.

    Iterative, so checking a payload is not itself a recursion a sender can exhaust. A lone UTF-16
    surrogate (`"\\ud800"`) parses to a str that neither SQLite nor PostgreSQL can encode, and
    PostgreSQL refuses the NUL character in text, so both are refused here with where they are.
    """
    stack = [(payload, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_JSON_DEPTH:
                return FieldError("body", f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "body_too_deep")
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                error = _text_error(key, text_storable(child) + " (a key)")
                if error:
                    return error
                stack.append((item, depth + 1, child))
        elif isinstance(value, list):
            if depth >= MAX_JSON_DEPTH:
                return FieldError("body", f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "body_too_deep")
            stack.extend((item, depth + 1, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            error = _text_error(value, text_storable(path) or "the body")
            if error:
                return error
    return None


def _text_error(value: str, where: str) -> FieldError | None:
    if "\x00" in value:
        return FieldError(where, f"{where} contains the NUL character (U+0000), which cannot be stored as text.", "body_not_text")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            code_point = ord(value[exc.start])
            return FieldError(
                where,
                f"{where} contains a lone UTF-16 surrogate (U+{code_point:04X}), which is not text and cannot be stored.",
                "body_not_text",
            )
    return None
