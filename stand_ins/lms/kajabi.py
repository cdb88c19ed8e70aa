"""Kajabi's public API as Laurel reads it: a client-credentials token and a contact with its tags (JSON:API)."""

from urllib.parse import parse_qs

from .server import _Server


class KajabiServer(_Server):
    """`POST /v1/oauth/token` (form, client_credentials) and `GET /v1/contacts/{id}?include=tags` with the Bearer token."""

    def __init__(self, *, client_id: str, client_secret: str):
        super().__init__()
        self.client_id, self.client_secret, self.token = client_id, client_secret, "kajabi-stand-in-token"
        self.contact_tags: dict[str, list[tuple[str, str]]] = {}  # contact id → [(tag id, tag name)]

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path, "method": handler.command})
        if path == "/v1/oauth/token":
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != ("client_credentials", self.client_id, self.client_secret):
                return 401, {"error": "invalid_client"}
            return 200, {"access_token": self.token, "token_type": "Bearer", "expires_in": 7200}
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"errors": [{"status": "401", "title": "Unauthorized"}]}
        contact = path.removeprefix("/v1/contacts/")
        if path.startswith("/v1/contacts/") and contact in self.contact_tags:
            tags = self.contact_tags[contact]
            return 200, {"data": {"id": contact, "type": "contacts", "attributes": {},
                                  "relationships": {"tags": {"data": [{"id": tag, "type": "contact_tags"} for tag, _ in tags]}}},
                         "included": [{"id": tag, "type": "contact_tags", "attributes": {"name": name}} for tag, name in tags]
                         if "include=tags" in query else []}
        return 404, {"errors": [{"status": "404", "title": "Not Found"}]}
