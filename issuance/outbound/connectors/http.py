"""The one way connectors call out: the guarded request, its status read as success or a classified failure."""

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
    detail = f"{method} {path} answered {response.status}: {response.text[:500]}"
    if response.status in TRANSIENT:
        raise OutboundError(detail, permanent=False, retry_after=retry_after_seconds(response.headers.get("retry-after")))
    raise OutboundError(detail, permanent=True, gone=response.status == 410)


def _note(request: DeliveryRequest | None, line: str) -> None:
    if request is not None:
        request.calls.append(line)


def base_join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")
