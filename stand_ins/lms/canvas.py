"""Canvas: Instructure's key set (JWKS) that signs Live Events, and Canvas REST (enrollments, scores)."""

import json
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .server import _Faults, _Server


class JwksServer(_Server):
    """Publishes RSA keys as a JWKS; `rotate()` adds a new key and drops the oldest, as Instructure does."""

    def __init__(self):
        super().__init__()
        self.keys: list[tuple[str, object]] = []
        self.rotate()

    def rotate(self) -> str:
        kid = f"key-{len(self.requests)}-{len(self.keys)}-{id(object())}"
        self.keys = (self.keys + [(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))])[-2:]
        return kid

    @property
    def current(self):
        return self.keys[-1]

    def keyset(self) -> dict:
        entries = []
        for kid, private in self.keys:
            entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
            entries.append({**entry, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": entries}

    def respond(self, path, body):
        self.requests.append({"path": path})
        return 200, self.keyset()

    def sign(self, claims: dict, *, key=None) -> str:
        kid, private = key or self.current
        return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


class CanvasRestServer(_Server):
    """Canvas REST: /api/v1/courses/:id/enrollments (per_page, page, an absolute Link rel="next"; the
    user_id filter) and /api/v1/courses/:id/users/:user_id/progress, behind a Bearer token that can
    expire. Errors as Canvas answers them: an unknown token is 401 "Invalid access token."; a valid
    token whose user may not read the course is 401 too, with "user not authorized to perform that
    action"; throttling is 403 "Rate Limit Exceeded"; a token whose user may not view grades gets
    enrollments without `grades`."""

    def __init__(self, *, token: str, page_cap: int = 100):
        super().__init__()
        self.token, self.page_cap = token, page_cap
        self.learners: dict[str, dict[str, dict]] = {}  # course → user id → {"user", "completed_at", "final_score", "current_score"}
        self.faults = _Faults()
        self.unauthorized_tokens: set[str] = set()  # valid tokens of a user who may not read the courses
        self.grade_blind_tokens: set[str] = set()  # valid tokens of a user who may not view grades
        self.throttled = 0  # the next requests answered 403 Rate Limit Exceeded, one each

    def enrol(self, course: str, user_id: int, *, email: str, name: str, completed_at: str | None = None,
              final_score: float | None = None, current_score: float | None = None):
        self.learners.setdefault(course, {})[str(user_id)] = {
            "user": {"id": user_id, "name": name, "sortable_name": name, "short_name": name.split()[0], "login_id": email, "email": email},
            "completed_at": completed_at, "final_score": final_score,
            "current_score": final_score if current_score is None else current_score,
        }

    def respond_to(self, handler, body):
        path, _, query = handler.path.partition("?")
        self.requests.append({"path": handler.path})
        given = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        if given != self.token and given not in self.unauthorized_tokens | self.grade_blind_tokens:
            return 401, {"errors": [{"message": "Invalid access token."}]}, {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
        if self.throttled:
            self.throttled -= 1
            return 403, b"403 Forbidden (Rate Limit Exceeded)\n", {"X-Rate-Limit-Remaining": "0.0"}
        if given in self.unauthorized_tokens:
            return 401, {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
        fault = self.faults.fault(path)
        if fault:
            return fault
        parts = path.strip("/").split("/")
        if parts[:3] != ["api", "v1", "courses"] or len(parts) < 5 or parts[3] not in self.learners:
            return 404, {"errors": [{"message": "The specified resource does not exist."}]}
        course, learners = parts[3], self.learners[parts[3]]
        if parts[4] == "enrollments" and len(parts) == 5:
            params = {key: values[0] for key, values in parse_qs(query).items()}
            per_page = min(int(params.get("per_page", 10)), self.page_cap)
            page = int(params.get("page", 1))
            ids = sorted(learners, key=int)
            if "user_id" in params:
                ids = [uid for uid in ids if uid == params["user_id"]]
            chunk = ids[(page - 1) * per_page : page * per_page]
            enrollments = [
                {"id": 9000 + int(uid), "course_id": int(course), "user_id": int(uid), "type": "StudentEnrollment",
                 "enrollment_state": "active", "sis_course_id": None, "user": learners[uid]["user"],
                 "grades": {"current_score": learners[uid]["current_score"], "final_score": learners[uid]["final_score"],
                            "current_grade": None, "final_grade": None, "html_url": f"{self.url}/courses/{course}/grades/{uid}"}}
                for uid in chunk
            ]
            if given in self.grade_blind_tokens:
                for enrollment in enrollments:
                    del enrollment["grades"]
            base = f"{self.url}/api/v1/courses/{course}/enrollments?type%5B%5D=StudentEnrollment&per_page={per_page}"
            links = [f'<{base}&page={page}>; rel="current"', f'<{base}&page=1>; rel="first"']
            if page * per_page < len(ids):
                links.insert(1, f'<{base}&page={page + 1}>; rel="next"')
            return 200, enrollments, {"Link": ", ".join(links)}
        if parts[4] == "users" and len(parts) == 7 and parts[6] == "progress" and parts[5] in learners:
            learner = learners[parts[5]]
            return 200, {"requirement_count": 8, "requirement_completed_count": 8 if learner["completed_at"] else 3,
                         "next_requirement_url": None, "completed_at": learner["completed_at"]}
        return 404, {"errors": [{"message": "The specified resource does not exist."}]}
