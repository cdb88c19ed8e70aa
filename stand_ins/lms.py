"""Real HTTP servers on 127.0.0.1 that speak as an LMS does: Moodle web services, a JWKS endpoint,
an xAPI LRS and Canvas REST."""

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class _Server:
    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._answer(self, b"")

            def do_POST(self):
                owner._answer(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def respond_to(self, handler, body: bytes):
        """(status, payload[, headers]); servers that read request headers override this."""
        return self.respond(handler.path, body)

    def _answer(self, handler, body: bytes):
        status, payload, *rest = self.respond_to(handler, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        for name, value in (rest[0] if rest else {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def php_json(data) -> bytes:
    """JSON as PHP's json_encode writes it (Moodle's web services and the local_webhooks plugin): `/` as `\\/`,
    non-ASCII as `\\uXXXX`. A `/` only ever stands inside a JSON string, so replacing it is exact."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/").encode()


def moodle_course_completed(*, user="4", course="2", token: str, at=1796610433, eventname="\\core\\event\\course_completed") -> dict:
    """The local_webhooks 3.0.5 body for \\core\\event\\course_completed as a real Moodle 4.5.6 sent it
    (docs/lms/moodle.md): ids as strings beside numbers, `other` an object, `userid` the cron user."""
    return {
        "eventname": eventname, "component": "core", "action": "completed", "target": "course",
        "objecttable": "course_completions", "objectid": "2", "crud": "u", "edulevel": 2, "contextid": 12,
        "contextlevel": 50, "contextinstanceid": course, "userid": "2", "courseid": course, "relateduserid": user,
        "anonymous": 0, "other": {"relateduserid": user}, "timecreated": at, "host": "127.0.0.1", "token": token, "extra": "",
    }


# What Moodle 4.5.6 answered with one capability removed from the web-services user's role (measured).
NOT_ACCESSIBLE = ("core\\exception\\require_login_exception", "requireloginerror", "Course or activity not accessible.")
CAPABILITY_REFUSALS = {
    "core_completion_get_course_completion_status": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("report/completion:view", ("core\\exception\\moodle_exception", "cannotviewreport", "You cannot view this report")),
    ],
    "gradereport_user_get_grade_items": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("gradereport/user:view", ("core\\exception\\required_capability_exception", "nopermissions",
                                   "Sorry, but you do not currently have permissions to do that (View user report).")),
        ("moodle/grade:viewall", ("core\\exception\\moodle_exception", "nopermissiontoviewgrades", "Cannot view grades.")),
    ],
    "core_enrol_get_enrolled_users": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("moodle/course:enrolreview", ("core\\exception\\required_capability_exception", "nopermissions",
                                       "Sorry, but you do not currently have permissions to do that (Review course enrolments).")),
    ],
    "core_course_get_courses_by_field": [],
    "core_user_get_users_by_field": [],
}
MEASURED_MINIMUM = {"webservice/rest:use", "moodle/course:view", "moodle/user:viewdetails", "moodle/site:viewuseridentity",
                    "report/completion:view", "moodle/grade:viewall", "gradereport/user:view", "moodle/course:enrolreview"}


def moodle_exception(exception: str, code: str, message: str) -> tuple[int, dict]:
    return 200, {"exception": exception, "errorcode": code, "message": message}


class MoodleWebServices(_Server):
    """/webservice/rest/server.php answering the five functions Laurel calls as Moodle 4.5.6 did: errors as
    HTTP 200 with namespaced exceptions, a refusal per missing capability (`capabilities`), users without
    `email` or not at all when identity or details are hidden, HTTP 403 with an empty body when web
    services are off, numeric ids in answers, and PHP's escaped slashes."""

    def __init__(self, *, token: str):
        super().__init__()
        self.token = token
        self.users: dict[str, dict] = {}
        self.completed: set[tuple[str, str]] = set()
        self.course_totals: dict[tuple[str, str], tuple[float, float]] = {}
        self.courses: dict[str, dict] = {}
        self.fail_with: tuple[int, dict] | None = None  # e.g. (503, {...}) or (200, {"exception": …})
        self.enrolled: dict[str, list[str]] = {}  # course id → user ids, for core_enrol_get_enrolled_users
        self.completed_at: dict[tuple[str, str], int] = {}  # (user, course) → the last criterion's timecompleted
        self.fail_times: int | None = None  # answer `fail_with` to this many requests, then normally (None: always)
        self.capabilities: set[str] = set(MEASURED_MINIMUM)  # the web-services user's role
        self.web_services_enabled = True

    def _answer(self, handler, body: bytes):
        status, payload, *rest = self.respond_to(handler, body)
        data = payload if isinstance(payload, bytes) else php_json(payload)
        handler.send_response(status)
        if status != 403:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _user(self, uid: str) -> dict:
        user = dict(self.users[uid])
        if "moodle/site:viewuseridentity" not in self.capabilities:
            user.pop("email", None)  # Moodle leaves the key out
        user.setdefault("profileimageurl", f"{self.url}/theme/image.php/boost/core/1/u/f1")
        return user

    def respond(self, path, body):
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        self.requests.append({"path": path, "form": form})
        if not path.startswith("/webservice/rest/server.php"):
            return 404, {"error": "not found"}
        if not self.web_services_enabled:
            return 403, b""
        if self.fail_with and self.fail_times != 0:
            if self.fail_times is not None:
                self.fail_times -= 1
            return self.fail_with
        if form.get("wstoken") != self.token:
            return moodle_exception("core\\exception\\moodle_exception", "invalidtoken", "Invalid token - token not found")
        if "webservice/rest:use" not in self.capabilities:
            return moodle_exception("webservice_access_exception", "accessexception", "Access control exception")
        function = form.get("wsfunction")
        for capability, refusal in CAPABILITY_REFUSALS.get(function, []):
            if capability not in self.capabilities:
                return moodle_exception(*refusal)
        if function == "core_user_get_users_by_field":
            uid = form.get("values[0]")
            if uid not in self.users or "moodle/user:viewdetails" not in self.capabilities:
                return 200, []
            return 200, [self._user(uid)]
        if function == "core_enrol_get_enrolled_users":
            options = {form[f"options[{i}][name]"]: form[f"options[{i}][value]"] for i in range(10) if f"options[{i}][name]" in form}
            start, count = int(options.get("limitfrom", 0)), int(options.get("limitnumber", 0)) or None
            ids = self.enrolled.get(form.get("courseid"), [])
            return 200, [self._user(uid) for uid in ids[start : start + count if count else None]]
        if function == "core_completion_get_course_completion_status":
            key = (form["userid"], form["courseid"])
            done = key in self.completed
            raw, high = self.course_totals.get(key, (None, 100))
            grade = "-" if raw is None else f"{raw / high * 100:.2f}"
            criteria = [{"type": 6, "title": "Course grade", "status": f"{grade} (50.00 required)", "complete": done,
                         "timecompleted": self.completed_at.get(key, 1731600000) if done else None,
                         "details": {"type": "Course grade", "criteria": "Required course grade", "requirement": "50.00", "status": grade}}]
            return 200, {"completionstatus": {"completed": done, "aggregation": 1, "completions": criteria}, "warnings": []}
        if function == "gradereport_user_get_grade_items":
            raw, high = self.course_totals.get((form["userid"], form["courseid"]), (None, 100))
            items = [self._grade_item(2, "Final assessment", "manual", raw, high), self._grade_item(1, None, "course", raw, high)]
            return 200, {"usergrades": [{"courseid": int(form["courseid"]), "userid": int(form["userid"]), "gradeitems": items}], "warnings": []}
        if function == "core_course_get_courses_by_field":
            course = self.courses.get(form.get("value"))
            return 200, {"courses": [course] if course else [], "warnings": []}
        return moodle_exception("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table external_functions.")

    @staticmethod
    def _grade_item(item_id, name, itemtype, raw, high) -> dict:
        """A grade item as 4.5.6 returns it (the course total is itemtype "course", itemname null)."""
        formatted = "-" if raw is None else f"{raw:.2f}"
        return {"id": item_id, "itemname": name, "itemtype": itemtype, "itemmodule": None, "iteminstance": 1, "itemnumber": None,
                "idnumber": None, "categoryid": None, "outcomeid": None, "scaleid": None, "locked": False, "graderaw": raw,
                "gradedatesubmitted": None, "gradedategraded": None if raw is None else 1796610058, "gradehiddenbydate": False,
                "gradeneedsupdate": False, "gradeishidden": False, "gradeislocked": False, "gradeisoverridden": False,
                "gradeformatted": formatted, "grademin": 0, "grademax": high, "rangeformatted": f"0&ndash;{high:g}",
                "percentageformatted": "-" if raw is None else f"{raw / high * 100:.2f} %", "feedback": "", "feedbackformat": 2}


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


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class _Faults:
    """What a polled test server can be told to do wrong: 429s, failing requests, slowness."""

    def __init__(self):
        self.rate_limited: list[str] = []  # Retry-After values for the next requests, one each
        self.fail_when: object = None  # a callable(path) → True to answer that request 503 (once each call)
        self.delay = 0.0

    def fault(self, path: str):
        if self.delay:
            time.sleep(self.delay)
        if self.rate_limited:
            return 429, {"error": "Too Many Requests"}, {"Retry-After": self.rate_limited.pop(0)}
        if self.fail_when is not None and self.fail_when(path):
            return 503, {"error": "Service Unavailable"}
        return None


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


def _instant(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


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
