"""Google's OAuth token endpoint for service accounts and the Forms API (forms.get, forms.responses.list), as Laurel reads them."""

import json
from urllib.parse import parse_qs, unquote

import jwt

from .server import _Faults, _Server


class GoogleFormsServer(_Server):
    """`/token` takes a JWT bearer assertion signed by the service account's key (RS256, aud = this
    URL); `/v1/forms/{id}` and `/v1/forms/{id}/responses` answer with a Bearer token only, honouring
    `filter=timestamp > T` (or `>=`) and `pageSize`/`pageToken` as the Forms API documents them."""

    def __init__(self, *, client_email: str, public_key):
        super().__init__()
        self.client_email, self.public_key = client_email, public_key
        self.token = "ya29.stand-in-access-token"
        self.forms: dict[str, dict] = {}  # form id → the forms.get answer
        self.responses: dict[str, list[dict]] = {}  # form id → its responses
        self.faults = _Faults()

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path, "method": handler.command})
        if path == "/token":
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            try:
                claims = jwt.decode(form.get("assertion", ""), self.public_key, algorithms=["RS256"], audience=self.token_uri)
            except jwt.PyJWTError as exc:
                return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT Signature. ({exc})"}
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or claims.get("iss") != self.client_email:
                return 400, {"error": "invalid_grant", "error_description": "Invalid grant: account not found"}
            return 200, {"access_token": self.token, "expires_in": 3599, "token_type": "Bearer"}
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}
        fault = self.faults.fault(path)
        if fault:
            return fault
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if parts[:2] != ["v1", "forms"] or len(parts) not in (3, 4) or parts[2] not in self.forms:
            return 404, {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
        if len(parts) == 3:
            return 200, self.forms[parts[2]]
        params = {key: values[0] for key, values in parse_qs(query).items()}
        found = sorted(self.responses.get(parts[2], []), key=lambda r: r["lastSubmittedTime"])
        if "filter" in params:
            _, operator, moment = params["filter"].split(" ", 2)
            found = [r for r in found if (r["lastSubmittedTime"] > moment if operator == ">" else r["lastSubmittedTime"] >= moment)]
        start, size = int(params.get("pageToken") or 0), int(params.get("pageSize") or 5000)
        page = found[start : start + size]
        answer = {"responses": page} if page else {}
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return 200, json.loads(json.dumps(answer))
