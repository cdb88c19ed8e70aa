"""did:web identifiers and DID documents for issuers (served at /issuers/<slug>/did.json)."""

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from courses.keys.crypto import public_key_multibase_encode
from .loader import DID_V1_URL, MULTIKEY_V1_URL

SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
KEY_ID_RE = re.compile(r"^[A-Za-z0-9._~-]+$")


class DidError(ValueError):
    """A base URL, slug, key id or did:web identifier that cannot make a valid DID."""


def issuer_did_web(*, base_url: str, slug: str) -> str:
    """`did:web:<host>[%3A<port>][:<path>…]:issuers:<slug>` for the site at `base_url`."""
    if not SLUG_RE.match(slug):
        raise DidError(f"Issuer slug {slug!r} may hold only letters, digits, '-' and '_'.")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DidError(f"Base URL {base_url!r} must be an absolute http(s) URL.")
    host = parts.hostname.lower()
    if parts.port:
        host += "%3A" + str(parts.port)  # did:web percent-encodes the port's colon
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *path, "issuers", slug])


def did_web_document_url(*, did: str) -> str:
    """Where a did:web document lives: `did:web:h%3A8000:issuers:x` → `https://h:8000/issuers/x/did.json`."""
    if not did.startswith("did:web:"):
        raise DidError(f"Not a did:web identifier: {did!r}.")
    host, *path = did.removeprefix("did:web:").split("#", 1)[0].split(":")
    if not path:
        return f"https://{unquote(host)}/.well-known/did.json"
    return f"https://{unquote(host)}/" + "/".join(unquote(p) for p in path) + "/did.json"


def verification_method_id(*, did: str, key_id: str) -> str:
    if not KEY_ID_RE.match(key_id):
        raise DidError(f"Key id {key_id!r} must be a plain URL fragment (letters, digits, '.', '_', '~', '-').")
    return f"{did}#{key_id}"


def did_document_build(*, did: str, keys: Iterable[tuple[str, Ed25519PublicKey]]) -> dict:
    """A DID document listing every key (old ones too, so what they signed still verifies)."""
    methods = [
        {
            "id": verification_method_id(did=did, key_id=key_id),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key_multibase_encode(public_key=public_key),
        }
        for key_id, public_key in keys
    ]
    if not methods:
        raise DidError(f"A DID document for {did} needs at least one key.")
    ids = [method["id"] for method in methods]
    if len(set(ids)) != len(ids):
        raise DidError(f"Key ids must be unique within {did}; got {ids}.")
    return {
        "@context": [DID_V1_URL, MULTIKEY_V1_URL],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def issuer_did_document_build(
    *, base_url: str, slug: str, keys: Iterable[tuple[str, Ed25519PublicKey]]
) -> dict:
    return did_document_build(did=issuer_did_web(base_url=base_url, slug=slug), keys=keys)
