"""TalentLMS's REST API: courses' users and their completion status, over HTTP Basic."""

from urllib.parse import parse_qs

from .server import _basic, _Faults, _Server


class TalentLmsServer(_Server):
    """TalentLMS API v2 as Laurel reads it: /api/v2/courses/{id}/users in pages of page_size and
    /api/v2/course-progress, HTTP Basic with the API key; `quota` sets X-RateLimit-Remaining."""

    def __init__(self, *, api_key: str):
        super().__init__()
        self.authorization = _basic(api_key, "")
        self.users: dict[str, dict[str, dict]] = {}  # course → user id → {"user", "progress"}
        self.quota: int | None = None  # requests left before X-RateLimit-Remaining says 0
        self.faults = _Faults()

    def enrol(self, course: str, user_id: int, *, email: str, name: str, completed_on: str | None = None, score: int | None = None):
        first, _, last = name.partition(" ")
        self.users.setdefault(course, {})[str(user_id)] = {
            "user": {"id": user_id, "login": email.split("@")[0], "first_name": first, "last_name": last, "email": email},
            "progress": {"enrolled": True, "role": "learner", "completion_status": "completed" if completed_on else "in_progress",
                         "completion_percentage": 100 if completed_on else 40, "completion_date": completed_on,
                         "score": score, "total_time": "1h 12m", "certificate": None},
        }

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path})
        if handler.headers.get("Authorization") != self.authorization:
            return 401, {"error": {"type": "authentication", "message": "Invalid API key"}}
        headers = {}
        if self.quota is not None:
            if self.quota <= 0:
                return 429, {"error": {"message": "API rate limit exceeded"}}, {"Retry-After": "3600", "X-RateLimit-Remaining": "0"}
            self.quota -= 1
            headers = {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": str(self.quota), "X-RateLimit-Reset": "1800"}
        fault = self.faults.fault(path)
        if fault:
            return fault
        params = {key: values[0] for key, values in parse_qs(query).items()}
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "v2", "courses"] and len(parts) == 5 and parts[4] == "users" and parts[3] in self.users:
            size, page = min(int(params.get("page_size", 20)), 100), int(params.get("page", 1))
            ids = sorted(self.users[parts[3]], key=int)
            chunk = [self.users[parts[3]][uid]["user"] for uid in ids[(page - 1) * size : page * size]]
            return 200, {"data": chunk, "meta": {"page": page, "page_size": size, "total": len(ids)}}, headers
        if path == "/api/v2/course-progress":
            entry = self.users.get(params.get("course_id", ""), {}).get(params.get("user_id", ""))
            if entry is None:
                return 404, {"error": {"message": "The user is not enrolled in this course"}}, headers
            return 200, {"data": entry["progress"]}, headers
        return 404, {"error": {"message": "Not found"}}, headers
