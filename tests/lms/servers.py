"""Real HTTP servers on 127.0.0.1 that speak as an LMS does: Moodle web services and a JWKS endpoint."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

    def _answer(self, handler, body: bytes):
        status, payload, *extra = self.respond(handler.path, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        for name, value in (extra[0] if extra else {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


class MoodleWebServices(_Server):
    """/webservice/rest/server.php answering the four functions Laurel calls, errors as HTTP 200."""

    def __init__(self, *, token: str):
        super().__init__()
        self.token = token
        self.users: dict[str, dict] = {}
        self.completed: set[tuple[str, str]] = set()
        self.course_totals: dict[tuple[str, str], tuple[float, float]] = {}
        self.courses: dict[str, dict] = {}
        self.fail_with: tuple[int, dict] | None = None  # e.g. (503, {...}) or (200, {"exception": …})
        self.fail_times: int | None = None  # answer `fail_with` to this many requests, then normally (None: always)

    def respond(self, path, body):
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        self.requests.append({"path": path, "form": form})
        if not path.startswith("/webservice/rest/server.php"):
            return 404, {"error": "not found"}
        if self.fail_with and self.fail_times != 0:
            if self.fail_times is not None:
                self.fail_times -= 1
            return self.fail_with
        if form.get("wstoken") != self.token:
            return 200, {"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token - token not found"}
        function = form.get("wsfunction")
        if function == "core_user_get_users_by_field":
            user = self.users.get(form.get("values[0]"))
            return 200, [user] if user else []
        if function == "core_completion_get_course_completion_status":
            done = (form["userid"], form["courseid"]) in self.completed
            return 200, {"completionstatus": {"completed": done, "aggregation": 1, "completions": []}, "warnings": []}
        if function == "gradereport_user_get_grade_items":
            raw, high = self.course_totals.get((form["userid"], form["courseid"]), (None, 100))
            items = [{"itemname": "Quiz 1", "itemtype": "mod", "graderaw": 5, "grademin": 0, "grademax": 10},
                     {"itemname": None, "itemtype": "course", "graderaw": raw, "grademin": 0, "grademax": high}]
            return 200, {"usergrades": [{"courseid": int(form["courseid"]), "userid": int(form["userid"]), "gradeitems": items}], "warnings": []}
        if function == "core_course_get_courses_by_field":
            course = self.courses.get(form.get("value"))
            return 200, {"courses": [course] if course else [], "warnings": []}
        return 200, {"exception": "dml_missing_record_exception", "errorcode": "invalidrecord", "message": "Can't find data record in database table external_functions."}


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
