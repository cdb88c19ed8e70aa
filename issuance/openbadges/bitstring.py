"""W3C Bitstring Status List: encode/decode the bitstring, build list credentials and entries."""

import base64
import gzip
import secrets
import zlib
from collections.abc import Collection, Iterable
from datetime import datetime

from django.utils.translation import gettext_noop as _

from ..sentences import Sentence
from .loader import CREDENTIALS_V2_URL
from .sign import datetime_xsd

# The spec's minimum: a list this long hides which credential a verifier is checking.
STATUS_LIST_MIN_ENTRIES = 131_072
STATUS_PURPOSES = ("revocation", "suspension")
_RANDOM_TRIES = 64


class StatusListError(ValueError):
    """A malformed encoded list, an index out of range, or an unknown status purpose. `said` keeps the sentence with
    its values, so the verify page can say what was wrong with another issuer's list in its visitor's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.said = Sentence(message, params or {})
        super().__init__(str(self.said))


class StatusListFullError(StatusListError):
    """Every index of the list is in use; the caller must open the next list."""


def _check_size(size: int) -> None:
    if size < STATUS_LIST_MIN_ENTRIES or size % 8:
        raise StatusListError(f"A status list holds a multiple of 8 entries, at least {STATUS_LIST_MIN_ENTRIES}; got {size}.")


def bitstring_encode(*, set_indexes: Iterable[int], size: int = STATUS_LIST_MIN_ENTRIES) -> str:
    """'u' + base64url(GZIP(bits)), no padding; index 0 is the most significant bit of byte 0."""
    _check_size(size)
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise StatusListError(f"Status index {index} is outside the list (0…{size - 1}).")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0 keeps the output stable, so an unchanged list re-encodes to the same bytes.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def bitstring_decode(*, encoded_list: str, max_bytes: int | None = None) -> bytes:
    """The bits; with `max_bytes`, a list that inflates past it is refused (another issuer's list may be a bomb)."""
    if not encoded_list.startswith("u"):
        raise StatusListError(_("encodedList must be multibase base64url (a %(prefix)s prefix)."), {"prefix": "'u'"})
    body = encoded_list[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if max_bytes is None:
            return gzip.decompress(packed)
        inflater = zlib.decompressobj(wbits=31)  # GZIP framing
        bits = inflater.decompress(packed, max_bytes + 1)
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise StatusListError(_("encodedList is not base64url-encoded GZIP data: %(reason)s"), {"reason": str(exc)}) from exc
    if len(bits) > max_bytes:
        raise StatusListError(_("encodedList inflates past %(bytes)s bytes."), {"bytes": max_bytes})
    return bits


def bitstring_set_indexes(*, encoded_list: str) -> set[int]:
    bits = bitstring_decode(encoded_list=encoded_list)
    return {i * 8 + bit for i, byte in enumerate(bits) if byte for bit in range(8) if byte & (0x80 >> bit)}


def bitstring_is_set(*, encoded_list: str, index: int, max_bytes: int | None = None) -> bool:
    bits = bitstring_decode(encoded_list=encoded_list, max_bytes=max_bytes)
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(_("Status index %(index)s is outside the list (0…%(last)s)."),
                              {"index": index, "last": len(bits) * 8 - 1})
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _check_purpose(purpose: str) -> None:
    if purpose not in STATUS_PURPOSES:
        raise StatusListError(f"Status purpose must be one of {STATUS_PURPOSES}; got {purpose!r}.")


def status_list_entry_build(*, list_url: str, index: int, purpose: str) -> dict:
    """The `credentialStatus` a credential carries to point at its bit in the list."""
    _check_purpose(purpose)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential_build(
    *, list_url: str, issuer_id: str, purpose: str, encoded_list: str, valid_from: datetime
) -> dict:
    """The unsigned BitstringStatusListCredential; sign it with the same issuer key as the badges."""
    _check_purpose(purpose)
    bitstring_decode(encoded_list=encoded_list)  # refuse to publish a list verifiers cannot read
    return {
        "@context": [CREDENTIALS_V2_URL],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": datetime_xsd(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


def status_index_allocate(
    *, used: Collection[int], size: int = STATUS_LIST_MIN_ENTRIES, rng: secrets.SystemRandom | None = None
) -> int:
    """A random index not in `used`, so list positions do not reveal issue order."""
    _check_size(size)
    rng = rng or secrets.SystemRandom()
    for _ in range(_RANDOM_TRIES):
        index = rng.randrange(size)
        if index not in used:
            return index
    # The list is nearly full: draw from what is left instead of probing forever.
    taken = set(used)
    free = [index for index in range(size) if index not in taken]
    if not free:
        raise StatusListFullError(f"All {size} status indexes are in use.")
    return rng.choice(free)
