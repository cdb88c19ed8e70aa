"""A host of Open Badges 2.0 hosted assertions, badge classes and issuer profiles on 127.0.0.1, as a badge platform
serves them: JSON-LD at each document's `id`, 410 Gone (the 2.0 tombstone) for a revoked assertion, 404 for what it
does not hold."""

import hashlib

from stand_ins.outbound.servers import FakeService


class HostedBadges(FakeService):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.documents: dict[str, dict] = {}
        self.gone: set[str] = set()
        self.reasons: dict[str, str] = {}
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

    def revoke(self, slug: str, reason: str) -> None:
        self.gone.add(f"/public/assertions/{slug}")
        self.reasons[f"/public/assertions/{slug}"] = reason

    def handle(self, request):
        if request["path"] in self.gone:
            return 410, {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": f"{self.url}{request['path']}",
                         "revoked": True, **({"revocationReason": self.reasons[request["path"]]} if request["path"] in self.reasons else {})}
        document = self.documents.get(request["path"])
        return (200, document, {"content-type": "application/ld+json"}) if document else (404, {"error": "not found"})
