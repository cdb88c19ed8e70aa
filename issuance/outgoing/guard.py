"""Every request Laurel makes to an address someone typed goes through `guarded_request`.

https only; no private, loopback or link-local targets, checked on the address the name resolves
to, at connection time, on every redirect too (requests-hardened pins the connection to the
checked address, so a name cannot be re-resolved to another one between check and connect);
connect and read timeouts, and when asked a deadline for the whole answer; a bounded response. `LAUREL_ALLOW_PRIVATE_TARGETS=1` lifts the address
check and allows plain http: for tests against 127.0.0.1 and for on-premise targets.
"""

import json
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

MAX_REDIRECTS = 3
# Separates an error's plain sentence (what staff read) from the technical detail (folded away in the admin).
TECHNICAL = "Technical detail:"
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
                    max_bytes: int | None = None, follow_redirects: bool = False,
                    total_timeout: float | None = None) -> GuardedResponse:
    """Make one request (following up to 3 redirects for GET if asked) under the rules above.

    `total_timeout`: seconds after which an answer still arriving (redirects included) is given up, however
    steadily its bytes come; the read timeout alone waits that long for each read.
    """
    allow_private = private_targets_allowed()
    ends = None if total_timeout is None else time.monotonic() + total_timeout
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
                             timeout=timeout, max_bytes=max_bytes, ends=ends)
            if not (follow_redirects and method in ("GET", "HEAD") and response.status in REDIRECTS):
                return response
            url, params = urljoin(url, response.headers.get("location", "")), None
        raise TargetRefused(f"More than {MAX_REDIRECTS} redirects, last to {url!r}.")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname or url


def connection_problem(url: str, exc: Exception, *, sent: bool) -> str:
    """What went wrong connecting to `url`, in a sentence staff can act on (the exception text is kept apart)."""
    text, host = str(exc), _host(url)
    port = urlsplit(url).port or (443 if url.startswith("https:") else 80)
    if isinstance(exc, requests.exceptions.SSLError):
        return (f"Could not reach {host} securely: its certificate was not accepted. Check the address, or set "
                "LAUREL_OUTBOUND_CA_BUNDLE for a certificate authority of your own.")
    if any(marker in text for marker in ("NameResolutionError", "Failed to resolve", "Name or service not known",
                                          "Temporary failure in name resolution", "nodename nor servname")):
        return f"Could not reach {host} (the name does not resolve). Check the address or your network."
    if "Connection refused" in text or "ConnectionRefused" in text:
        return f"Could not reach {host}: nothing answered on port {port} (connection refused). Check the address and that the service is running."
    if sent:
        return f"{host} closed the connection before answering; the request may have reached it."
    return f"Could not reach {host}. Check the address or your network."


def _chunks(response, *, ends: float | None):
    if ends is None:
        yield from response.iter_content(chunk_size=65536)
        return
    # iter_content fills each chunk before yielding it, so a site sending a byte within every read timeout
    # would hold the request as long as it liked; read1 hands over what has come, and the clock is read between.
    while chunk := response.raw.read1(65536, decode_content=True):
        yield chunk
        if time.monotonic() > ends:
            raise requests.exceptions.ReadTimeout("the answer did not arrive in full before the deadline")


def _send(session, method, url, *, timeout, max_bytes, ends=None, **kwargs) -> GuardedResponse:
    try:
        with session.request(method, url, timeout=timeout, stream=True, allow_redirects=False, **kwargs) as response:
            body = bytearray()
            for chunk in _chunks(response, ends=ends):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ResponseTooLarge(f"{method} {url}: the answer is larger than {max_bytes} bytes.")
            return GuardedResponse(status=response.status_code, headers={k.lower(): v for k, v in response.headers.items()},
                                   body=bytes(body), url=url)
    except InvalidIPAddress as exc:
        raise TargetRefused(f"Refused {url!r}: it resolves to {exc}, a private, loopback or link-local address "
                            "(LAUREL_ALLOW_PRIVATE_TARGETS=1 allows it, for tests and on-premise targets).") from None
    except requests.exceptions.ConnectTimeout:
        raise RequestNotSent(f"Could not reach {_host(url)}: no connection within {timeout[0]} s. Check the address "
                             f"and your network. {TECHNICAL} {method} {url}") from None
    except (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise OutcomeUnknown(f"{_host(url)} did not answer in full within {timeout[1]} s; the request may have reached it. "
                             f"{TECHNICAL} {method} {url} ({type(exc).__name__})") from None
    except requests.exceptions.ConnectionError as exc:
        # Refused or reset before anything was sent is the common case; a reset after sending cannot
        # be told apart here, so callers that create things look them up first on the next attempt.
        sent = "reset" in str(exc).lower() or "aborted" in str(exc).lower()
        error = (OutcomeUnknown if sent else RequestNotSent)(
            f"{connection_problem(url, exc, sent=sent)} {TECHNICAL} {method} {url}: {exc.__class__.__name__}: {str(exc)[:300]}")
        raise error from None
    except requests.exceptions.RequestException as exc:
        raise RequestNotSent(f"Could not send the request to {_host(url)}. {TECHNICAL} {method} {url}: "
                             f"{exc.__class__.__name__}: {str(exc)[:300]}") from None
