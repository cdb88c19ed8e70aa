"""Systems a `rest` connection talks to, as local servers: a credentials API with every auth type, and the hooks.

`CredentialsApi` is a Certif-ID-like JSON API: an OAuth 2.0 client-credentials token endpoint
(RFC 6749 §4.4: client authentication by HTTP Basic or in the form, `expires_in` in seconds,
401 for an unknown or expired token), POST /api/credentials answering 201 {"data": {"id": …}},
DELETE /api/credentials/<id> answering 204 (404 for an unknown id). `CatchHook` answers like the
hooks the presets name: Zapier's catch hook (200 {"status": "success", …}), Make's ("Accepted"),
n8n's ({"message": "Workflow was started"}), Slack's incoming webhook (200 "ok", 400
"invalid_payload" for a body without text or blocks) and a Teams Workflows webhook (202, empty).
"""

import base64
import itertools
import secrets
import time
from urllib.parse import parse_qs, unquote

from .platforms import _scripted
from .servers import FakeService


class CredentialsApi(FakeService):
    def __init__(self, *, auth: tuple = ("none",), token_lifetime: int = 3600, client_id="laurel", client_secret="s3cret"):
        super().__init__()
        self.auth, self.token_lifetime = auth, token_lifetime
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: dict[str, float] = {}  # token -> when it expires (monotonic)
        self.token_requests: list[dict] = []
        self.credentials: dict[str, dict] = {}
        self._ids = itertools.count(1001)

    def revoke_tokens(self):
        self.tokens.clear()

    def _client(self, request, form) -> tuple[str, str]:
        value = request["headers"].get("authorization", "")
        if value.startswith("Basic "):
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
            return unquote(user), unquote(password)
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if self._client(request, form) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        token = secrets.token_hex(8)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime, "scope": form.get("scope", "")}

    def _authorised(self, request) -> bool:
        kind, *values = self.auth
        headers = request["headers"]
        if kind == "none":
            return True
        if kind == "bearer":
            return headers.get("authorization") == f"Bearer {values[0]}"
        if kind == "basic":
            return headers.get("authorization") == "Basic " + base64.b64encode(f"{values[0]}:{values[1]}".encode()).decode()
        if kind == "header":
            return headers.get(values[0].lower()) == values[1]
        if kind == "query":
            return request["query"].get(values[0]) == [values[1]]
        if kind == "oauth2":
            token = headers.get("authorization", "").removeprefix("Bearer ")
            return self.tokens.get(token, 0) > time.monotonic()
        raise ValueError(kind)

    def handle(self, request):
        path, method = request["path"], request["method"]
        if path == "/oauth/token" and method == "POST":
            return self._token(request)
        if not self._authorised(request):
            return 401, {"error": "unauthorized", "message": "Missing or invalid credentials."}
        if path == "/api/credentials" and method == "POST":
            return _scripted(self, lambda: self._create(self.json_body(request)))
        if path.startswith("/api/credentials/") and method == "DELETE":
            def delete():
                found = self.credentials.pop(path.rsplit("/", 1)[1], None)
                return (204, b"") if found else (404, {"error": "not_found"})
            return _scripted(self, delete)
        return 404, {"error": "not_found"}

    def _create(self, body):
        if not body.get("email"):
            return 422, {"error": "validation", "message": "email is required"}
        record_id = f"cid-{next(self._ids)}"
        self.credentials[record_id] = body
        return 201, {"data": {"id": record_id, **body}}


class CatchHook(FakeService):
    """Any hook URL: keeps each JSON body; answers as the product named in `flavour` does."""

    ANSWERS = {
        "zapier": (200, {"status": "success", "attempt": "0190c8d6", "id": "0190c8d6-1", "request_id": "0190c8d6"}),
        "make": (200, b"Accepted"),
        "n8n": (200, {"message": "Workflow was started"}),
        "slack": (200, b"ok"),
        "teams": (202, b""),
    }

    def __init__(self, flavour: str):
        super().__init__()
        self.flavour = flavour
        self.bodies: list[dict] = []

    def handle(self, request):
        if request["method"] != "POST":
            return 405, {"error": "method not allowed"}
        body = self.json_body(request)
        if self.flavour == "slack" and not (body.get("text") or body.get("blocks")):
            return 400, b"invalid_payload"
        if self.flavour == "teams" and not body.get("attachments"):
            return 400, {"error": {"code": "InvalidRequestContent", "message": "The request content is not valid."}}

        def accept():
            self.bodies.append(body)
            status, answer = self.ANSWERS[self.flavour]
            headers = {"content-type": "text/plain"} if isinstance(answer, bytes) else {}
            return status, answer, headers
        return _scripted(self, accept)


class CertifIdLike(CredentialsApi):
    """The Certif-ID preset's placeholder endpoints (UNCONFIRMED: Laurel has not read Certif-ID's endpoint pages):
    an API key in X-API-Key, POST /api/courses/<course>/recipients/invite answering 201 {"id": …}, DELETE
    /api/credentials/<id>. It proves the preset's wiring (mapping, header auth, stored id), not Certif-ID's API."""

    def __init__(self, *, key="certif-key"):
        super().__init__(auth=("header", "X-API-Key", key))

    def handle(self, request):
        path, method = request["path"], request["method"]
        if method == "POST" and path.startswith("/api/courses/") and path.endswith("/recipients/invite"):
            if not self._authorised(request):
                return 401, {"message": "Unauthorized"}
            body = self.json_body(request)
            record_id = f"inv-{next(self._ids)}"
            self.credentials[record_id] = {**body, "course": path.split("/")[3]}
            return 201, {"id": record_id, "status": "pending"}
        return super().handle(request)
