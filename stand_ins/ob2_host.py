"""A host of Open Badges 2.0 hosted assertions, badge classes and issuer profiles on 127.0.0.1, as a badge platform
serves them: JSON-LD at each document's `id`, 410 Gone (the 2.0 tombstone) for a revoked assertion, 404 for what it
does not hold; a path in `slow` is answered that many seconds late, as an overloaded site answers."""

import hashlib
import json

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stand_ins.outbound.servers import FakeService


class HostedBadges(FakeService):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.documents: dict[str, dict] = {}
        self.gone: set[str] = set()
        self.reasons: dict[str, str] = {}
        self.slow: dict[str, float] = {}
        self.issuer("harbour", "Harbour Training")

    def issuer(self, slug: str, name: str, *, verification: dict | None = None) -> str:
        """An issuer profile; `verification` is its OB 2.0 VerificationObject (allowedOrigins, startsWith)."""
        url = f"{self.url}/public/issuers/{slug}"
        self.documents[f"/public/issuers/{slug}"] = {
            "@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": url, "name": name,
            "url": self.url, "email": "badges@harbour.example", **({"verification": verification} if verification else {})}
        return url

    def badge_class(self, slug: str, name: str, *, issuer: str | None = None) -> str:
        url = f"{self.url}/public/badges/{slug}"
        self.documents[f"/public/badges/{slug}"] = {
            "@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": url, "name": name,
            "description": f"{name}, as issued on the old platform.", "image": f"{url}/image",
            "criteria": {"narrative": "Completed the course."}, "issuer": issuer or f"{self.url}/public/issuers/harbour"}
        return url

    def assertion(self, slug: str, *, email: str, badge: str, issued_on: str, expires: str | None = None,
                  hashed: bool = True, salt: str = "d2c1") -> str:
        url = f"{self.url}/public/assertions/{slug}"
        identity = "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest() if hashed else email
        recipient = {"type": "email", "hashed": hashed, "identity": identity, **({"salt": salt} if hashed else {})}
        document = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": url, "recipient": recipient,
                    "badge": badge, "issuedOn": issued_on, "verification": {"type": "HostedBadge"}}
        if expires:
            document["expires"] = expires
        self.documents[f"/public/assertions/{slug}"] = document
        return url

    def signing_key(self, slug: str = "k1", *, listed: bool = True) -> tuple[rsa.RSAPrivateKey, str]:
        """A new RSA key published as a 2.0 CryptographicKey owned by the harbour issuer (and listed in its profile)."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        url, issuer = f"{self.url}/public/keys/{slug}", self.documents["/public/issuers/harbour"]
        pem = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.documents[f"/public/keys/{slug}"] = {"@context": "https://w3id.org/openbadges/v2", "type": "CryptographicKey",
                                                   "id": url, "owner": issuer["id"], "publicKeyPem": pem}
        if listed:
            issuer["publicKey"] = [*issuer.get("publicKey", []), url]
        return private_key, url

    def signed_assertion(self, uid: str, *, private_key, key_url: str, email: str, badge: str, issued_on: str,
                         expires: str | None = None) -> str:
        """A signed 2.0 assertion: the JWS (RS256) whose payload is the assertion, as a signing issuer bakes it."""
        recipient = {"type": "email", "hashed": True, "salt": "d2c1",
                     "identity": "sha256$" + hashlib.sha256((email + "d2c1").encode()).hexdigest()}
        assertion = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": f"urn:uuid:{uid}",
                     "recipient": recipient, "badge": badge, "issuedOn": issued_on,
                     "verification": {"type": "SignedBadge", "creator": key_url}, **({"expires": expires} if expires else {})}
        return jwt.api_jws.encode(json.dumps(assertion).encode(), private_key, algorithm="RS256")

    def revocation_list(self, revoked: dict[str, str]) -> None:
        """The harbour issuer's 2.0 RevocationList, naming each revoked assertion id with its reason."""
        url = f"{self.url}/public/issuers/harbour/revocations"
        self.documents["/public/issuers/harbour/revocations"] = {
            "@context": "https://w3id.org/openbadges/v2", "type": "RevocationList", "id": url,
            "issuer": f"{self.url}/public/issuers/harbour",
            "revokedAssertions": [{"id": key, "revocationReason": reason} for key, reason in revoked.items()]}
        self.documents["/public/issuers/harbour"]["revocationList"] = url

    def revoke(self, slug: str, reason: str, *, gone: bool = True) -> None:
        """410 Gone with a tombstone (`gone`), or the assertion still served, saying `"revoked": true`."""
        if not gone:
            self.documents[f"/public/assertions/{slug}"].update({"revoked": True, "revocationReason": reason})
            return
        self.gone.add(f"/public/assertions/{slug}")
        self.reasons[f"/public/assertions/{slug}"] = reason

    def handle(self, request):
        self._stall = self.slow.get(request["path"], 0)
        if request["path"] in self.gone:
            return 410, {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": f"{self.url}{request['path']}",
                         "revoked": True, **({"revocationReason": self.reasons[request["path"]]} if request["path"] in self.reasons else {})}
        document = self.documents.get(request["path"])
        return (200, document, {"content-type": "application/ld+json"}) if document else (404, {"error": "not found"})
