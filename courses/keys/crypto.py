"""Issuer signing keys: Ed25519 generation, Multikey/did:key encodings, and encryption at rest."""

import os
from dataclasses import dataclass
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_noop as _

# Multicodec varint prefix for an Ed25519 public key (0xed, as a two-byte varint).
ED25519_PUB_MULTICODEC = b"\xed\x01"


class KeyEncryptionKeyError(RuntimeError):
    """The key that encrypts issuer private keys at rest is missing or malformed."""


class KeyDecryptionError(ValueError):
    """A stored private key could not be decrypted (wrong encryption key, or the blob was altered)."""


class MultikeyError(ValueError):
    """A publicKeyMultibase / did:key value is not an Ed25519 Multikey: `message` (marked for translation) and
    `params` keep the sentence with its values, so the verify page can say it in its visitor's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.message, self.params = message, params or {}
        super().__init__(message % self.params if self.params else message)


@dataclass(frozen=True)
class IssuerKeyPair:
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey

    @property
    def public_key_multibase(self) -> str:
        return public_key_multibase_encode(public_key=self.public_key)


def key_pair_generate() -> IssuerKeyPair:
    private_key = Ed25519PrivateKey.generate()
    return IssuerKeyPair(private_key=private_key, public_key=private_key.public_key())


def private_key_from_seed(*, seed: bytes) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from its 32-byte seed (the first half of a 64-byte secret key)."""
    if len(seed) == 64:
        seed = seed[:32]
    if len(seed) != 32:
        raise ValueError(f"An Ed25519 seed is 32 bytes (or a 64-byte seed+public key); got {len(seed)}.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase_encode(*, public_key: Ed25519PublicKey) -> str:
    """Multikey `publicKeyMultibase`: 'z' + base58btc(0xed01 + 32-byte key) — always starts 'z6Mk'."""
    return "z" + base58.b58encode(ED25519_PUB_MULTICODEC + public_key_raw(public_key)).decode("ascii")


def public_key_multibase_decode(*, value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise MultikeyError(_("publicKeyMultibase must be base58btc (%(prefix)s prefix); got %(value)s."),
                            {"prefix": "'z'", "value": repr(value)})
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise MultikeyError(_("publicKeyMultibase %(value)s is not valid base58btc."), {"value": repr(value)}) from exc
    if raw[:2] != ED25519_PUB_MULTICODEC or len(raw) != 34:
        raise MultikeyError(_("publicKeyMultibase %(value)s is not a 32-byte Ed25519 key (%(prefix)s prefix)."),
                            {"value": repr(value), "prefix": "0xed01"})
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key_from_public_key(*, public_key: Ed25519PublicKey) -> str:
    return "did:key:" + public_key_multibase_encode(public_key=public_key)


def did_key_verification_method(*, public_key: Ed25519PublicKey) -> str:
    """For did:key the verification method fragment is the same z6Mk… value as the DID itself."""
    multibase = public_key_multibase_encode(public_key=public_key)
    return f"did:key:{multibase}#{multibase}"


def public_key_from_did_key(*, did: str) -> Ed25519PublicKey:
    if not did.startswith("did:key:"):
        raise MultikeyError(_("Not a did:key identifier: %(did)s."), {"did": repr(did)})
    return public_key_multibase_decode(value=did.removeprefix("did:key:").split("#", 1)[0])


def signature_is_valid(*, public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


# --- encryption at rest -----------------------------------------------------------------------


def key_encryption_key_generate() -> str:
    """A fresh value for LAUREL_KEY_ENCRYPTION_KEY (url-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def key_encryption_key_from_file(*, path: Path) -> str:
    """Read the embedded profile's key file, creating it on first use.

    The key is written to a private temporary file and then hard-linked into place: the link fails
    if another process got there first, so every process ends up reading one complete key.
    """
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key_encryption_key_generate() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text(encoding="ascii").strip()


def key_encryption_key_configured() -> str:
    """LAUREL_KEY_ENCRYPTION_KEY, or in DEBUG only the key file under var/ (made on first use); '' if neither."""
    secret = settings.LAUREL.get("ORGANIZATION_KEY_SECRET") or ""
    key_file = settings.LAUREL.get("ORGANIZATION_KEY_FILE") or ""
    if not secret and key_file:
        path = Path(key_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = key_encryption_key_from_file(path=path)
    return secret


def _fernet(secret: str | None) -> Fernet:
    if secret is None:
        secret = key_encryption_key_configured()
    if not secret:
        raise KeyEncryptionKeyError(
            "LAUREL_KEY_ENCRYPTION_KEY is not set: it encrypts organisations' signing keys at rest. "
            "Generate one with `python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\"`."
        )
    try:
        return Fernet(secret.encode("ascii") if isinstance(secret, str) else secret)
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyEncryptionKeyError(
            "LAUREL_KEY_ENCRYPTION_KEY is invalid: it must be 32 random bytes in url-safe base64 "
            f"(44 characters); got {len(secret)} characters."
        ) from exc


def private_key_encrypt(*, private_key: Ed25519PrivateKey, secret: str | None = None) -> str:
    """Encrypt the 32-byte seed with Fernet (AES-128-CBC + HMAC-SHA256); `secret` defaults to settings."""
    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _fernet(secret).encrypt(seed).decode("ascii")


def private_key_decrypt(*, token: str, secret: str | None = None) -> Ed25519PrivateKey:
    try:
        seed = _fernet(secret).decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise KeyDecryptionError(
            "The stored signing key could not be decrypted: LAUREL_KEY_ENCRYPTION_KEY differs from the "
            "one it was encrypted with, or the stored value was altered."
        ) from exc
    return private_key_from_seed(seed=seed)


def secret_encrypt(*, text: str, secret: str | None = None) -> str:
    """Encrypt a connection's or a source's secret (API token, password, whsec_ key) with the signing keys' encryption key."""
    return _fernet(secret).encrypt(text.encode("utf-8")).decode("ascii")


def secret_decrypt(*, token: str, secret: str | None = None) -> str:
    try:
        return _fernet(secret).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise KeyDecryptionError(
            "A stored secret (a connection's or a source's) could not be decrypted: LAUREL_KEY_ENCRYPTION_KEY differs from the "
            "one it was encrypted with, or the stored value was altered. Set the secret again."
        ) from exc
