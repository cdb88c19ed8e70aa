"""Every request Laurel makes to an address someone typed goes through `guarded_request`.

https only; no private, loopback or link-local targets, checked on the address the name resolves
to, at connection time, on every redirect too (requests-hardened pins the connection to the
checked address, so a name cannot be re-resolved to another one between check and connect);
connect and read timeouts; a bounded response. `LAUREL_ALLOW_PRIVATE_TARGETS=1` lifts the address
check and allows plain http: for tests against 127.0.0.1 and for on-premise targets.
"""

import json
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}


class OutboundRequestError(Exception):
    """A guarded request did not produce an answer. `sent` says whether the request may have reached the target."""

    sent = False


class TargetRefused(OutboundRequestError):
    """The URL is not one Laurel may call (scheme, or an address it resolves to)."""


class RequestNotSent(OutboundRequestError):
    """No connection could be made (DNS, refused, connect timeout): the target never saw the request."""


class OutcomeUnknown(OutboundRequestError):
    """The request went out but no answer came in time: it may have been acted upon."""

    sent = True


class ResponseTooLarge(OutboundRequestError):
    sent = True


@dataclass(frozen=True)
class GuardedResponse:
    status: int
    headers: dict
    body: bytes
    url: str

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "LAUREL_ALLOW_PRIVATE_TARGETS", False))


def _manager(allow_private: bool) -> Manager:
    return Manager(Config(ip_filter_enable=not allow_private, ip_filter_allow_loopback_ips=False,
                          never_redirect=True, default_timeout=None, user_agent_override="Laurel"))


def target_check(url: str, *, allow_private: bool | None = None) -> None:
    """Refuse what is not https (or http when private targets are allowed), or has no host."""
    allow_private = private_targets_allowed() if allow_private is None else allow_private
    parts = urlsplit(url)
    allowed = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise TargetRefused(f"Refused {url!r}: only https:// URLs with a host name may be called"
                            + ("" if allow_private else " (LAUREL_ALLOW_PRIVATE_TARGETS=1 also allows http for on-premise targets)") + ".")
    if parts.username or parts.password:
        raise TargetRefused(f"Refused {url!r}: credentials belong in the connection's secret, not in the URL.")


def guarded_request(method: str, url: str, *, headers: dict | None = None, json=None, data=None, params=None,
                    connect_timeout: float | None = None, read_timeout: float | None = None,
                    max_bytes: int | None = None, follow_redirects: bool = False) -> GuardedResponse:
    """Make one request (following up to 3 redirects for GET if asked) under the rules above."""
    allow_private = private_targets_allowed()
    timeout = (connect_timeout or settings.LAUREL_OUTBOUND_CONNECT_TIMEOUT, read_timeout or settings.LAUREL_OUTBOUND_READ_TIMEOUT)
    max_bytes = max_bytes or settings.LAUREL_OUTBOUND_MAX_RESPONSE_BYTES
    with _manager(allow_private).get_session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment slips past the check
        # The public certificate authorities, or the ones LAUREL_OUTBOUND_CA_BUNDLE names (an
        # on-premise CA; the tests' https stand-ins): the environment's bundle is ignored with the rest.
        session.verify = getattr(settings, "LAUREL_OUTBOUND_CA_BUNDLE", "") or True
        for _ in range(MAX_REDIRECTS + 1):
            target_check(url, allow_private=allow_private)
            response = _send(session, method, url, headers=headers, json=json, data=data, params=params,
                             timeout=timeout, max_bytes=max_bytes)
            if not (follow_redirects and method in ("GET", "HEAD") and response.status in REDIRECTS):
                return response
            url, params = urljoin(url, response.headers.get("location", "")), None
        raise TargetRefused(f"More than {MAX_REDIRECTS} redirects, last to {url!r}.")


def _send(session, method, url, *, timeout, max_bytes, **kwargs) -> GuardedResponse:
    try:
        with session.request(method, url, timeout=timeout, stream=True, allow_redirects=False, **kwargs) as response:
            body = bytearray()
            for chunk in response.iter_content(chunk_size=65536):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ResponseTooLarge(f"{method} {url}: the answer is larger than {max_bytes} bytes.")
            return GuardedResponse(status=response.status_code, headers={k.lower(): v for k, v in response.headers.items()},
                                   body=bytes(body), url=url)
    except InvalidIPAddress as exc:
        raise TargetRefused(f"Refused {url!r}: it resolves to {exc}, a private, loopback or link-local address "
                            "(LAUREL_ALLOW_PRIVATE_TARGETS=1 allows it, for tests and on-premise targets).") from None
    except requests.exceptions.ConnectTimeout:
        raise RequestNotSent(f"{method} {url}: no connection within {timeout[0]} s.") from None
    except (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise OutcomeUnknown(f"{method} {url}: no complete answer within {timeout[1]} s ({type(exc).__name__}).") from None
    except requests.exceptions.ConnectionError as exc:
        # Refused or reset before anything was sent is the common case; a reset after sending cannot
        # be told apart here, so callers that create things look them up first on the next attempt.
        sent = "reset" in str(exc).lower() or "aborted" in str(exc).lower()
        error = (OutcomeUnknown if sent else RequestNotSent)(f"{method} {url}: {exc.__class__.__name__}: {str(exc)[:300]}")
        raise error from None
    except requests.exceptions.RequestException as exc:
        raise RequestNotSent(f"{method} {url}: {exc.__class__.__name__}: {str(exc)[:300]}") from None
