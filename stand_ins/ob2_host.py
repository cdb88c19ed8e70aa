"""A host of Open Badges 2.0 hosted assertions and badge classes on 127.0.0.1, as a badge platform serves them:
JSON-LD at each assertion's `id`, 410 Gone for a revoked one, 404 for what it does not hold."""

import hashlib

from stand_ins.outbound.servers import FakeService


class HostedBadges(FakeService):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.documents: dict[str, dict] = {}
        self.gone: set[str] = set()

    def badge_class(self, slug: str, name: str) -> str:
        url = f"{self.url}/public/badges/{slug}"
        self.documents[f"/public/badges/{slug}"] = {
            "@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": url, "name": name,
            "description": f"{name}, as issued on the old platform.", "image": f"{url}/image",
            "criteria": {"narrative": "Completed the course."}, "issuer": f"{self.url}/public/issuers/harbour"}
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

    def handle(self, request):
        if request["path"] in self.gone:
            return 410, {"revoked": True}
        document = self.documents.get(request["path"])
        return (200, document, {"content-type": "application/ld+json"}) if document else (404, {"error": "not found"})
