"""HubSpot, Salesforce and a Standard Webhooks receiver as local servers (reference: integrations.md §2.1, §5)."""

import re
import secrets
from urllib.parse import parse_qs

from standardwebhooks import Webhook, WebhookVerificationError

from .platforms import _scripted
from .servers import FakeService


class HubSpotServer(FakeService):
    """CRM v3: contacts batch upsert by email (its documented answer), notes associated to a contact."""

    def __init__(self, *, token="hubspot-token"):
        super().__init__()
        self.token = token
        self.contacts: dict[str, dict] = {}
        self.notes: list[dict] = []

    def handle(self, request):
        if request["headers"].get("authorization") != f"Bearer {self.token}":
            return 401, {"status": "error", "message": "Authentication credentials not found.", "category": "INVALID_AUTHENTICATION"}
        path, method = request["path"], request["method"]
        if path == "/crm/v3/objects/contacts" and method == "GET":
            return 200, {"results": list(self.contacts.values())[:1]}
        if path == "/crm/v3/objects/contacts/batch/upsert" and method == "POST":
            return _scripted(self, lambda: self._upsert(self.json_body(request)))
        if path == "/crm/v3/objects/notes" and method == "POST":
            note = self.json_body(request)
            contact = note["associations"][0]["to"]["id"]
            if contact not in {c["id"] for c in self.contacts.values()}:
                return 400, {"status": "error", "message": f"contact {contact} not found"}
            note["id"] = str(9000 + len(self.notes))
            self.notes.append(note)
            return 201, {"id": note["id"], "properties": note["properties"]}
        return 404, {"status": "error", "message": "not found"}

    def _upsert(self, body):
        results = []
        for item in body["inputs"]:
            assert item["idProperty"] == "email"
            existing = self.contacts.get(item["id"])
            new = existing is None
            contact = existing or {"id": str(500 + len(self.contacts)), "properties": {"email": item["id"]}}
            contact["properties"].update(item["properties"])
            self.contacts[item["id"]] = contact
            results.append({"id": contact["id"], "new": new, "properties": contact["properties"],
                            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"})
        return 200, {"status": "COMPLETE", "results": results, "errors": [], "numErrors": 0}


class SalesforceServer(FakeService):
    """OAuth2 client-credentials token, then sObject upsert by external id: 201 on insert, 200 on update."""

    def __init__(self, *, client_id="laurel-app", client_secret="sf-secret"):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: set[str] = set()
        self.records: dict[str, dict] = {}

    def expire_tokens(self):
        self.tokens.clear()

    def handle(self, request):
        path, method = request["path"], request["method"]
        if path == "/services/oauth2/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != ("client_credentials", self.client_id, self.client_secret):
                return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            token = secrets.token_hex(8)
            self.tokens.add(token)
            return 200, {"access_token": token, "instance_url": self.url, "token_type": "Bearer", "id": "https://login/id/1"}
        if request["headers"].get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        if re.fullmatch(r"/services/data/v[\d.]+/sobjects/Credential__c/describe", path):
            return 200, {"name": "Credential__c", "fields": [{"name": "External_Id__c"}, {"name": "Name"}]}
        match = re.fullmatch(r"/services/data/v[\d.]+/sobjects/Credential__c/External_Id__c/([^/]+)", path)
        if match and method == "PATCH":
            return _scripted(self, lambda: self._upsert(match[1], self.json_body(request)))
        return 404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]

    def _upsert(self, external_id, body):
        if "Contact__r" not in body or "Email" not in body["Contact__r"]:
            return 400, [{"message": "No such column", "errorCode": "INVALID_FIELD"}]
        existing = self.records.get(external_id)
        if existing is not None:
            existing.update(body)
            return 200, {"id": existing["Id"], "success": True, "errors": [], "created": False}
        record = {"Id": f"a0B{len(self.records):012d}", **body}
        self.records[external_id] = record
        return 201, {"id": record["Id"], "success": True, "errors": [], "created": True}


class WebhookReceiver(FakeService):
    """A subscriber that verifies each request with the standardwebhooks package before accepting it."""

    def __init__(self, *, secret, host: str = "127.0.0.1"):
        super().__init__(host=host)
        self.webhook = Webhook(secret)
        self.events: list[dict] = []
        self.ids: list[str] = []
        self.rejected = 0

    def handle(self, request):
        def accept():
            try:
                event = self.webhook.verify(request["body"], request["headers"])
            except WebhookVerificationError:
                self.rejected += 1
                return 401, {"error": "bad signature"}
            self.events.append(event)
            self.ids.append(request["headers"]["webhook-id"])
            return 204, b""
        return _scripted(self, accept)
