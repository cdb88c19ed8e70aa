"""xAPI from a browser: the CORS answers TinCanJS needs when it runs in a page on another origin.

Most authoring-tool content runs TinCanJS in the learner's browser, so each statement is a
cross-origin request carrying `Authorization` and `X-Experience-API-Version`; the browser first
asks with a preflight (`OPTIONS`, no credentials) and sends nothing unless the answer allows it.

Which origins may call is the source's `cors_origins` setting: `*` (the default) for any, a list of
origins, or `none`. Any origin is the default because the LRS key and secret are the
authentication, sent explicitly on every request: CORS guards ambient credentials (cookies), and
this endpoint takes none and never allows credentials, so a page that holds the key could send the
same statement from a server anyway (docs/lms/xapi.md says so, and when to list origins).
"""

from urllib.parse import urlsplit

from ..base import source_setting
from ..settings_schema import ANY_ORIGIN as ANY, NO_ORIGIN as NONE

ALLOWED_HEADERS = "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match"
ALLOWED_METHODS = "GET, HEAD, POST, PUT, OPTIONS"
# What a script may read from an answer: TinCanJS reads the version; the rest are xAPI's concurrency headers.
EXPOSED_HEADERS = "X-Experience-API-Version, ETag, Last-Modified"
PREFLIGHT_CACHE_SECONDS = 600


def cors_origin_allowed(*, source, origin: str) -> bool:
    setting = source_setting(source, "cors_origins", ANY)
    if setting == ANY:
        return True
    if setting == NONE:
        return False
    return origin.lower() in {entry.strip() for entry in setting.split(",")}


def cors_headers(*, source, origin: str, preflight: bool = False) -> dict:
    """The CORS headers for a request from `origin` to this source's xAPI endpoint; empty if none are due."""
    if not origin or not cors_origin_allowed(source=source, origin=origin):
        return {}
    if source_setting(source, "cors_origins", ANY) == ANY:
        headers = {"Access-Control-Allow-Origin": "*"}
    else:
        headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers.update({"Access-Control-Allow-Methods": ALLOWED_METHODS, "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": str(PREFLIGHT_CACHE_SECONDS)})
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return headers


def cors_refusal(*, source, origin: str) -> str:
    """Why a preflight from `origin` is refused, for the 403 a developer sees in the browser's network panel."""
    setting = source_setting(source, "cors_origins", ANY)
    allowed = "none" if setting == NONE else setting
    return (f"Source {source.slug!r} takes xAPI requests from browsers on {allowed}, not from {origin!r}: "
            "add the origin to the source's cors_origins setting.")
