"""How a mapped source's deliveries are authenticated: one scheme per source, every comparison in constant time.

The source's secret (and its second secret, while it rotates) is the key, token or password of every
scheme; the mapping names only where to find what the sender sent. HMACs and hashes are computed
in signatures.py, as for every dialect.
"""

import base64
import binascii
import ipaddress
import time
from urllib.parse import parse_qs

from ..base import AuthenticationFailed, RequestRefused, digest_matches
from ..signatures import SignatureError, SignedHeaders, hmac_digest, keyed_hash_digest, signature_verify
from .paths import path_get

SECRET_HELP = {
    "standard_webhooks": "the whsec_… Standard Webhooks secret the sender signs with",
    "hmac": "the secret the sender signs each body with (HMAC)",
    "hash_body_secret": "the secret the sender appends to the body before hashing it",
    "token_header": "the token the sender puts in its header",
    "token_query": "the token the sender puts in the intake URL's query",
    "token_body": "the token the sender puts in its body",
    "basic": "the password the sender sends with HTTP Basic",
    "secret_path": "the secret path segment at the end of the intake URL",
}


def _keys(source) -> list[str]:
    return [key for key in (source.signing_secret, source.signing_secret_next) if key]


def _any_matches(expected: list[str], received: str) -> bool:
    # Every key is compared, none skipped: the time taken says nothing about which matched.
    return any([digest_matches(key, received) for key in expected])


def address_check(auth: dict, request) -> None:
    allowed = auth.get("allowed_addresses")
    if not allowed:
        return
    try:
        peer = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        raise AuthenticationFailed("The sender's address is unknown; this source accepts listed addresses only.") from None
    if not any(peer in ipaddress.ip_network(entry, strict=False) for entry in allowed):
        raise AuthenticationFailed(f"{request.remote_addr} is not an allowed address of this source.")


def _without_prefix(value: str, prefix: str, header: str) -> str:
    if prefix and not value.startswith(prefix):
        raise AuthenticationFailed(f"{header} must start with {prefix!r}.")
    return value[len(prefix):].strip()


def _standard_webhooks(auth, source, request, document):
    headers = SignedHeaders(message_id=request.header("webhook-id"), timestamp=request.header("webhook-timestamp"),
                            signature=str(request.meta.get("HTTP_WEBHOOK_SIGNATURE", "")))
    try:
        signature_verify(secrets=_keys(source), headers=headers, body=request.body)
    except SignatureError as exc:
        raise AuthenticationFailed(str(exc)) from None
    if len(headers.message_id) > 300:
        raise RequestRefused("webhook-id is longer than 300 characters.")
    return headers.message_id


def _signature(auth, request) -> str:
    header = auth["header"]
    received = request.header(header)
    if not received:
        raise AuthenticationFailed(f"The {header} header is required.")
    received = _without_prefix(received, auth.get("prefix") or "", header)
    return received.lower() if auth["encoding"] == "hex" else received


def _hmac(auth, source, request, document):
    received = _signature(auth, request)
    content = request.body
    if auth["signed"] == "timestamp.body":
        stamp = request.header(auth["timestamp_header"])
        try:
            sent_at = int(stamp)
        except ValueError:
            raise AuthenticationFailed(f"{auth['timestamp_header']} must be whole Unix seconds, not {stamp[:40]!r}.") from None
        if abs(time.time() - sent_at) > auth["tolerance_seconds"]:
            raise AuthenticationFailed(f"{auth['timestamp_header']} is more than {auth['tolerance_seconds']} s away from our clock; sign it again.")
        content = stamp.encode() + b"." + request.body
    expected = [hmac_digest(key=key, content=content, algorithm=auth["algorithm"], encoding=auth["encoding"]) for key in _keys(source)]
    if not _any_matches(expected, received):
        raise AuthenticationFailed(f"{auth['header']} does not match the body signed with this source's secret.")


def _hash_body_secret(auth, source, request, document):
    received = _signature(auth, request)
    expected = [keyed_hash_digest(key=key, content=request.body, algorithm=auth["algorithm"], encoding=auth["encoding"]) for key in _keys(source)]
    if not _any_matches(expected, received):
        raise AuthenticationFailed(f"{auth['header']} does not match the hash of the body and this source's secret.")


def _token_header(auth, source, request, document):
    header = auth["header"]
    received = request.header(header)
    if not received:
        raise AuthenticationFailed(f"The {header} header is required.")
    if not _any_matches(_keys(source), _without_prefix(received, auth.get("prefix") or "", header)):
        raise AuthenticationFailed(f"{header} does not hold this source's token.")


def _token_query(auth, source, request, document):
    name = auth["parameter"]
    values = parse_qs(str(request.meta.get("QUERY_STRING", ""))).get(name) or [""]
    if not values[0]:
        raise AuthenticationFailed(f"The intake URL's query must hold {name}=<token>.")
    if not _any_matches(_keys(source), values[0]):
        raise AuthenticationFailed(f"The query's {name} is not this source's token.")


def _token_body(auth, source, request, document):
    received = path_get(document, auth["path"]) if document is not None else None
    if not isinstance(received, str) or not received:
        raise AuthenticationFailed(f"The body must hold this source's token at {auth['path']}.")
    if not _any_matches(_keys(source), received):
        raise AuthenticationFailed(f"The token at {auth['path']} is not this source's token.")


def _basic(auth, source, request, document):
    value = request.header("Authorization")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise AuthenticationFailed("HTTP Basic authentication is required.")
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AuthenticationFailed("The Authorization header is not valid HTTP Basic.") from None
    user_ok = digest_matches(auth["username"], username)
    password_ok = _any_matches(_keys(source), password)
    if not (sep and user_ok and password_ok):
        raise AuthenticationFailed("The username or password is not this source's.")


def _secret_path(auth, source, request, document):
    if not request.path_token:
        raise AuthenticationFailed("This source receives at its secret address only (…/events/<secret>).")
    if not _any_matches(_keys(source), request.path_token):
        raise AuthenticationFailed("The address's secret is not this source's.")


VERIFIERS = {
    "standard_webhooks": _standard_webhooks, "hmac": _hmac, "hash_body_secret": _hash_body_secret,
    "token_header": _token_header, "token_query": _token_query, "token_body": _token_body,
    "basic": _basic, "secret_path": _secret_path,
}


def request_verify(*, auth: dict, source, request, document) -> str | None:
    """Raise AuthenticationFailed unless the request is the source's; the sender's message id, when the scheme has one.

    `document` is the delivery as read (JSON or form fields), for the schemes that look inside it.
    """
    address_check(auth, request)
    if request.path_token and auth["scheme"] != "secret_path":
        raise AuthenticationFailed("This source has no secret address; post to …/events.")
    if not _keys(source):
        raise AuthenticationFailed("This source has no secret configured yet, so it accepts nothing.")
    return VERIFIERS[auth["scheme"]](auth, source, request, document)
