"""Docebo's REST API as Laurel reads it: an OAuth2 client-credentials token, a user and a user's enrollments."""

from urllib.parse import parse_qs

from .server import _Faults, _Server


class DoceboServer(_Server):
    """`POST /oauth2/token` (form fields, grant_type=client_credentials), then with the Bearer token
    `GET /manage/v1/user/{id}` → data.user_data and `GET /learn/v1/enrollments?user_id&course_id` → data.items,
    or, for polling, `GET /learn/v1/enrollments?course_id&status&updated_from&page&page_size` → a page of
    data.items with data.has_more_data (updated_from inclusive, oldest first)."""

    def __init__(self, *, client_id: str, client_secret: str):
        super().__init__()
        self.client_id, self.client_secret, self.token = client_id, client_secret, "docebo-stand-in-token"
        self.users: dict[str, dict] = {}
        self.enrollments: list[dict] = []
        self.faults = _Faults()

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path, "method": handler.command})
        fault = self.faults.fault(path)
        if fault:
            return fault
        if path == "/oauth2/token":
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != ("client_credentials", self.client_id, self.client_secret):
                return 401, {"error": "invalid_client", "error_description": "The client credentials are invalid"}
            return 200, {"access_token": self.token, "expires_in": 3600, "token_type": "Bearer", "scope": "api"}
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"name": "Unauthorized", "message": "Invalid or expired token", "code": 401}
        params = {key: values[0] for key, values in parse_qs(query).items()}
        if path.startswith("/manage/v1/user/") and path.rsplit("/", 1)[1] in self.users:
            return 200, {"data": {"user_data": self.users[path.rsplit("/", 1)[1]]}, "version": "1.0.0"}
        if path == "/learn/v1/enrollments" and "user_id" in params:
            items = [e for e in self.enrollments if str(e["user_id"]) == params.get("user_id") and str(e["course_id"]) == params.get("course_id")]
            return 200, {"data": {"items": items, "has_more_data": False, "current_page": 1}, "version": "1.0.0"}
        if path == "/learn/v1/enrollments":
            return 200, self._enrollment_page(params)
        return 404, {"name": "Not Found", "message": "Page not found.", "code": 404}

    def _enrollment_page(self, params: dict) -> dict:
        found = [e for e in self.enrollments if str(e["course_id"]) == params.get("course_id")
                 and (not params.get("status") or e.get("enrollment_status") == params["status"])
                 and e.get("enrollment_date_last_updated", "") >= params.get("updated_from", "")]
        found.sort(key=lambda e: e.get("enrollment_date_last_updated", ""))
        page, size = int(params.get("page", 1)), min(int(params.get("page_size", 20)), 200)
        items = found[(page - 1) * size: page * size]
        return {"data": {"items": items, "has_more_data": page * size < len(found), "current_page": page}, "version": "1.0.0"}
