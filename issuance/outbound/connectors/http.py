"""The one way connectors call out: the guarded request, its status read as success or a classified failure."""

import html
import re
from time import monotonic
from urllib.parse import urlsplit

from .base import DeliveryRequest, OutboundError
from ...outgoing.guard import OutboundRequestError, OutcomeUnknown, TargetRefused, guarded_request
from ...outgoing.http import retry_after_seconds

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


def outbound_call(request: DeliveryRequest | None, method: str, url: str, *, ok=(200, 201), accept=(), **kwargs):
    """Call `url`; return the response when its status is in `ok` or `accept`, else raise `OutboundError`.

    `accept` lists statuses the caller handles itself (e.g. Credly's 422 for a duplicate).
    Each call is noted in `request.calls`, which becomes the delivery's request summary.
    """
    started = monotonic()
    path = urlsplit(url).path
    try:
        response = guarded_request(method, url, **kwargs)
    except TargetRefused as exc:
        _note(request, f"{method} {path} → refused")
        raise OutboundError(str(exc), permanent=True) from None
    except OutboundRequestError as exc:
        _note(request, f"{method} {path} → {type(exc).__name__}")
        raise OutboundError(str(exc), permanent=False, outcome_unknown=isinstance(exc, OutcomeUnknown) or exc.sent) from None
    _note(request, f"{method} {path} → {response.status} ({(monotonic() - started) * 1000:.0f} ms)")
    if response.status in ok or response.status in accept:
        return response
    raise _answer_error(response, method=method, url=url)


def _answer_error(response, *, method: str, url: str) -> OutboundError:
    """The classified failure for an answer: its status and body as staff read them, transient or permanent by status."""
    detail = f"{method} {urlsplit(url).path} answered {response.status}: {response_summary(response, limit=500)}"
    if response.status in TRANSIENT:
        return OutboundError(detail, permanent=False, retry_after=retry_after_seconds(response.headers.get("retry-after")),
                             status=response.status)
    return OutboundError(detail, permanent=True, gone=response.status == 410, status=response.status)


def response_json(response, *, method: str, url: str):
    """The answer's JSON; an answer that is not JSON (an HTML page from a proxy, or the website behind a wrong
    base_url) fails as its status and the page's title, never as a JSONDecodeError nobody can act on."""
    if not _is_page(response):
        try:
            return response.json()
        except ValueError:
            pass
    raise _answer_error(response, method=method, url=url)


def response_not_found(response, *, method: str, url: str) -> bool:
    """Whether the answer is the API's own 404 ("no such credential"); a 404 *page* says nothing of the thing
    looked up (a wrong base_url, a proxy), so it fails with its status and title instead of reading as "none"."""
    if response.status != 404:
        return False
    if _is_page(response):
        raise _answer_error(response, method=method, url=url)
    return True


_HTML_START = re.compile(rb"\s*(<!doctype html|<html|<head|<body|<title|<!--)", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def response_summary(response, *, limit: int = 300) -> str:
    """The body as staff should read it in an error: an HTML error page becomes a short plain summary.

    Real servers answer failures with whole HTML pages (a Django or nginx 500 page); kept raw, the
    stored error is markup cut off mid-tag and says nothing. Their title and first heading say it all.
    """
    if not _is_page(response):
        return response.text[:limit]
    text = response.text
    parts = []
    for pattern in (_TITLE, _HEADING):
        found = pattern.search(text)
        if found:
            plain = " ".join(html.unescape(_TAG.sub(" ", found[1])).split())
            if plain and plain not in parts:
                parts.append(plain)
    summary = " — ".join(parts) or "no title"
    return f"an HTML page ({summary})"[:limit]


def _is_page(response) -> bool:
    """An HTML page, by its content type or by how it starts."""
    content_type = (response.headers.get("content-type") or "").lower()
    return "html" in content_type or bool(_HTML_START.match((response.body or b"")[:200]))


def _note(request: DeliveryRequest | None, line: str) -> None:
    if request is not None:
        request.calls.append(line)


def base_join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")
