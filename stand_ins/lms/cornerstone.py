"""Cornerstone's REST API as Laurel polls it: an OAuth2 client-credentials token (JSON body) and the Transcript Search."""

import json
from urllib.parse import parse_qs

from .server import _Faults, _Server

PAGE_SIZE = 50  # csod.dev: at most 50 records a page


class CornerstoneServer(_Server):
    """`POST /services/api/oauth2/token` with `{clientId, clientSecret, grantType, scope}`, then with the Bearer token
    `GET {search_path}?ModificationStartDate&ModificationEndDate&pageNumber`: transcripts modified in the window
    (UTC, at most 24 hours, as documented), 50 a page under `data`. The path and the fields are unconfirmed."""

    def __init__(self, *, client_id: str, client_secret: str, search_path: str = "/services/api/x/transcript/v1/search"):
        super().__init__()
        self.client_id, self.client_secret, self.search_path, self.token = client_id, client_secret, search_path, "csod-stand-in-token"
        self.transcripts: list[dict] = []  # each with a lastModified (ISO 8601 Z) the window is matched on
        self.faults = _Faults()

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path, "method": handler.command})
        fault = self.faults.fault(path)
        if fault:
            return fault
        if path == "/services/api/oauth2/token":
            try:
                form = json.loads(body or b"{}")
            except ValueError:
                return 400, {"error": "invalid_request"}
            if (form.get("grantType"), form.get("clientId"), form.get("clientSecret")) != ("client_credentials", self.client_id, self.client_secret):
                return 401, {"status": "401", "error": {"message": "Invalid client credentials.", "code": "401"}}
            return 200, {"access_token": self.token, "expires_in": 3600, "token_type": "Bearer", "scope": form.get("scope")}
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"status": "401", "error": {"message": "Unauthorized", "code": "401"}}
        if path != self.search_path:
            return 404, {"status": "404", "error": {"message": "Not found", "code": "404"}}
        params = {key: values[0] for key, values in parse_qs(query).items()}
        start, end = params.get("ModificationStartDate", ""), params.get("ModificationEndDate", "")
        if not start or not end or end < start:
            return 400, {"status": "400", "error": {"message": "ModificationStartDate and ModificationEndDate are required.", "code": "400"}}
        found = sorted((t for t in self.transcripts if start <= t["lastModified"] < end), key=lambda t: t["lastModified"])
        page = int(params.get("pageNumber", 1))
        return 200, {"status": "200", "data": found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], "pageNumber": page}
