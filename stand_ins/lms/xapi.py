"""An xAPI LRS: statements over HTTP Basic, paged with `more` links."""

import uuid
from urllib.parse import parse_qs

from .server import _basic, _Faults, _instant, _Server


class LrsServer(_Server):
    """An xAPI 1.0.3 LRS's GET /xapi/statements: Basic auth, the version header, verb/since/until/ascending
    filters on `stored`, pages of `page_size` linked by a relative `more`."""

    def __init__(self, *, key: str, secret: str, page_size: int = 2):
        super().__init__()
        self.authorization, self.page_size = _basic(key, secret), page_size
        self.statements: list[dict] = []
        self.faults = _Faults()
        self._more: dict[str, tuple[list, int]] = {}
        self._clock = 0

    @property
    def endpoint(self) -> str:
        return self.url + "/xapi"

    def add(self, *, email: str, activity: str = "https://lms.example.edu/courses/SAF-101", verb: str = "completed",
            timestamp: str = "2026-01-05T09:58:59Z", scaled: float | None = 0.9, stored: str | None = None) -> dict:
        self._clock += 1
        statement = {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "name": email.split("@")[0].title(), "mbox": f"mailto:{email}"},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
            "object": {"id": activity, "definition": {"name": {"en-US": "Safety 101"}}},
            "result": {"completion": True, "success": True, **({"score": {"scaled": scaled}} if scaled is not None else {})},
            "timestamp": timestamp,
            "stored": stored or f"2026-01-05T10:{self._clock // 60:02d}:{self._clock % 60:02d}.000Z",
            "authority": {"objectType": "Agent", "account": {"homePage": "https://lrs.example.org", "name": "lrs"}},
            "version": "1.0.3",
        }
        self.statements.append(statement)
        return statement

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        headers = {"X-Experience-API-Version": "1.0.3"}
        self.requests.append({"path": handler.path, "version": handler.headers.get("X-Experience-API-Version"),
                              "authorization": handler.headers.get("Authorization")})
        if handler.headers.get("X-Experience-API-Version") != "1.0.3":
            return 400, {"error": "X-Experience-API-Version header missing or unsupported"}, headers
        if handler.headers.get("Authorization") != self.authorization:
            return 401, {"error": "Unauthorized"}, {**headers, "WWW-Authenticate": 'Basic realm="LRS"'}
        fault = self.faults.fault(path)
        if fault:
            return fault
        if path.startswith("/xapi/statements/more/"):
            token = path.rsplit("/", 1)[-1]
            if token not in self._more:
                return 404, {"error": "more link expired"}, headers
            matching, offset = self._more[token]
        elif path == "/xapi/statements":
            params = {key: values[0] for key, values in parse_qs(query).items()}
            matching = [s for s in self.statements if s["verb"]["id"] == params.get("verb", s["verb"]["id"])]
            if params.get("since"):
                matching = [s for s in matching if _instant(s["stored"]) > _instant(params["since"])]
            if params.get("until"):
                matching = [s for s in matching if _instant(s["stored"]) <= _instant(params["until"])]
            matching.sort(key=lambda s: s["stored"], reverse=params.get("ascending") != "true")
            offset = 0
        else:
            return 404, {"error": "not found"}, headers
        page = matching[offset : offset + self.page_size]
        more = ""
        if offset + self.page_size < len(matching):
            token = uuid.uuid4().hex
            self._more[token] = (matching, offset + self.page_size)
            more = f"/xapi/statements/more/{token}"
        return 200, {"statements": page, "more": more}, headers
