"""Body signatures, verified once for every dialect: Standard Webhooks' (and signing as a sender would), the
plain hex HMAC-SHA256 of the body that Teachable and Thinkific send, and the HMACs and keyed hashes a mapped
source declares (any of SHA-256, SHA-1, SHA-512, in hex or base64)."""

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from .base import AuthenticationFailed, digest_matches

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class SignatureError(Exception):
    """Why a request is not authentic. The message is safe to return to the sender."""


@dataclass(frozen=True)
class SignedHeaders:
    message_id: str
    timestamp: str
    signature: str


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_…` secret: the base64-decoded part after the prefix."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Senders sometimes drop the padding; extra '=' is ignored by the decoder.
        key = base64.b64decode(encoded + "==", validate=False)
    except (binascii.Error, ValueError):
        raise ValueError("A signing secret must be 'whsec_' followed by base64.") from None
    if not key:
        raise ValueError("A signing secret must not be empty.")
    return key


def signature_compute(*, secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The `v1,<base64>` signature a sender puts in `webhook-signature` for this body."""
    content = message_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_verify(
    *, secrets: list[str], headers: SignedHeaders, body: bytes, now: float | None = None
) -> None:
    """Raise SignatureError unless one listed signature matches one of the secrets, in time.

    Any secret may match, so a source can rotate its secret without downtime. Every failure,
    including malformed headers, is a SignatureError: a sender never sees a 500 for bad input.
    """
    if not (headers.message_id and headers.timestamp and headers.signature):
        raise SignatureError("The webhook-id, webhook-timestamp and webhook-signature headers are required.")
    if "." in headers.message_id:
        raise SignatureError("webhook-id must not contain a '.'.")
    try:
        sent_at = int(headers.timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp must be whole Unix seconds.") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is more than 5 minutes away from our clock; sign it again.")
    received = []
    for entry in headers.signature.split():
        version, _, encoded = entry.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            received.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not received:
        raise SignatureError("webhook-signature holds no v1 signature.")
    content = headers.message_id.encode() + b"." + headers.timestamp.encode() + b"." + body
    for secret in secrets:
        try:
            key = secret_key(secret)
        except ValueError:
            continue  # a malformed stored secret matches nothing; the admin refuses to save one
        expected = hmac.new(key, content, hashlib.sha256).digest()
        # Compare against every entry without stopping early: the time taken says nothing.
        matched = [hmac.compare_digest(expected, candidate) for candidate in received]
        if any(matched):
            return
    raise SignatureError("No signature matches this source's secrets.")


def _hex_digest_of_body(value: str, body: bytes) -> list[tuple[str, bytes]]:
    return [(value.lower(), body)]


ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "sha512": hashlib.sha512}
ENCODINGS = ("hex", "base64")


def _encoded(digest: bytes, encoding: str) -> str:
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def hmac_digest(*, key: str, content: bytes, algorithm: str = "sha256", encoding: str = "hex") -> str:
    """HMAC of `content` with the UTF-8 `key`, as text: lowercase hex or base64."""
    return _encoded(hmac.new(key.encode("utf-8"), content, ALGORITHMS[algorithm]).digest(), encoding)


def keyed_hash_digest(*, key: str, content: bytes, algorithm: str = "sha256", encoding: str = "hex") -> str:
    """A plain hash of `content` followed by the key (iSpring's `X-Hub-Signature`): not an HMAC, but keyed all the same."""
    return _encoded(ALGORITHMS[algorithm](content + key.encode("utf-8")).digest(), encoding)


def hex_hmac_sha256(*, key: str, body: bytes) -> str:
    return hmac_digest(key=key, content=body)


def hex_hmac_verify(
    *, source, request, header: str, secret_label: str,
    signed: Callable[[str, bytes], list[tuple[str, bytes]]] = _hex_digest_of_body,
) -> None:
    """Raise AuthenticationFailed unless `header` holds the hex HMAC-SHA256 of the body under one of the source's keys.

    Both keys are tried (the next one too, so a secret rotates without downtime), each comparison in constant
    time and none skipped. `signed` reads the header's value as (hex digest, bytes it signs) pairs, for a
    sender whose header holds more than the digest of the body (Teachable's `t=…,v1=…`).
    """
    received = request.header(header)
    if not received:
        raise AuthenticationFailed(f"The {header} header is required.")
    keys = [key for key in (source.signing_secret, source.signing_secret_next) if key]
    for digest, content in signed(received, request.body):
        matched = [digest_matches(hex_hmac_sha256(key=key, body=content), digest) for key in keys]
        if any(matched):
            return
    raise AuthenticationFailed(f"{header} does not match the body signed with this source's {secret_label}.")
