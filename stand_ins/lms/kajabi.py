"""Kajabi's public API as Laurel reads it: a client-credentials token, a contact with its tags, and hooks (JSON:API)."""

import json
from urllib.parse import parse_qs

from .server import _Server


class KajabiServer(_Server):
    """`POST /v1/oauth/token` (form, client_credentials), `GET /v1/contacts/{id}?include=tags`, `GET /v1/sites`, and
    `GET/POST /v1/hooks`, `DELETE /v1/hooks/{id}` as Kajabi's OpenAPI describes them, with the Bearer token."""

    def __init__(self, *, client_id: str, client_secret: str):
        super().__init__()
        self.client_id, self.client_secret, self.token = client_id, client_secret, "kajabi-stand-in-token"
        self.contact_tags: dict[str, list[tuple[str, str]]] = {}  # contact id → [(tag id, tag name)]
        self.sites = ["2041"]
        self.hooks: dict[str, dict] = {}  # hook id → its attributes (target_url, event, resource_id) and site
        self.next_hook = 700

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
        if path == "/v1/sites":
            return 200, {"data": [{"id": site, "type": "sites", "attributes": {"title": f"Site {site}"}} for site in self.sites]}
        if path == "/v1/hooks" or path.startswith("/v1/hooks/"):
            return self._hooks(handler, path, parse_qs(query), body)
        contact = path.removeprefix("/v1/contacts/")
        if path.startswith("/v1/contacts/") and contact in self.contact_tags:
            tags = self.contact_tags[contact]
            return 200, {"data": {"id": contact, "type": "contacts", "attributes": {},
                                  "relationships": {"tags": {"data": [{"id": tag, "type": "contact_tags"} for tag, _ in tags]}}},
                         "included": [{"id": tag, "type": "contact_tags", "attributes": {"name": name}} for tag, name in tags]
                         if "include=tags" in query else []}
        return 404, {"errors": [{"status": "404", "title": "Not Found"}]}

    def _hooks(self, handler, path, query, body):
        if handler.command == "GET" and path == "/v1/hooks":
            wanted = (query.get("filter[event_eq]") or [None])[0]
            hooks = [{"id": hook_id, "type": "hooks", "attributes": dict(hook["attributes"])}
                     for hook_id, hook in self.hooks.items() if wanted in (None, hook["attributes"]["event"])]
            return 200, {"data": hooks, "links": {"next": None}, "meta": {"total_count": len(hooks)}}
        if handler.command == "POST" and path == "/v1/hooks":
            data = (json.loads(body or b"{}") or {}).get("data") or {}
            attributes = data.get("attributes") or {}
            site = (((data.get("relationships") or {}).get("site") or {}).get("data") or {}).get("id")
            if data.get("type") != "hooks" or attributes.get("event") not in ("tag_added", "tag_removed", "purchase", "form_submission") \
                    or not str(attributes.get("target_url", "")).startswith(("http://", "https://")) or site not in self.sites:
                return 422, {"errors": [{"status": "422", "title": "Unprocessable Entity"}]}
            self.next_hook += 1
            hook_id = str(self.next_hook)
            self.hooks[hook_id] = {"attributes": {"target_url": attributes["target_url"], "event": attributes["event"],
                                                  "resource_id": attributes.get("resource_id")}, "site": site}
            return 201, {"data": {"id": hook_id, "type": "hooks", "attributes": self.hooks[hook_id]["attributes"]}}
        hook_id = path.removeprefix("/v1/hooks/")
        if handler.command == "DELETE" and hook_id in self.hooks:
            del self.hooks[hook_id]
            return 204, b""
        return 404, {"errors": [{"status": "404", "title": "Not Found"}]}
