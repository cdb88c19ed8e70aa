"""An HTTP server on 127.0.0.1 speaking Postmark's email API as documented: `POST /email` and `POST /email/batch`.

`/email/batch` takes a JSON array of messages shaped as for `/email` (at most 500, and at most
`batch_max_bytes` posted: Postmark's documented 50 MB including attachments) and answers HTTP 200 with one
result per message, in the order sent, whether or not each was accepted. A batch over the size is refused
whole, none of it sent, with HTTP 413 and a Postmark-shaped body: Postmark does not document which status
it answers, and 413 is the one a web front gives a body it will not take (unconfirmed). A message to an
address on `inactive` is refused with ErrorCode 406 (HTTP 422 on `/email`, its place in the array on
`/email/batch`). `script` is consumed one entry per request: "accept", "inactive" (the single send's
recipient is refused), "ratelimited" (429), "error" (500), "no_credits" (405, the account out of
credits), ("stall", seconds) before accepting, or
"reversed": a batch's results in the opposite order (not seen from Postmark; it tests the matching).
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BATCH_LIMIT = 500
BATCH_MAX_BYTES = 50_000_000  # "up to 50 MB payload size, including attachments"
SUBMITTED_AT = "2026-03-14T10:00:00.0000000-04:00"


def _inactive(address: str) -> dict:
    # The text anymail reads the inactive addresses from (anymail/backends/postmark.py quotes it).
    return {"ErrorCode": 406, "Message": (
        "You tried to send to a recipient that has been marked as inactive.\n"
        f"Found inactive addresses: {address}.\n"
        "Inactive recipients are ones that have generated a hard bounce or a spam complaint. ")}


def _addr_spec(to: str) -> str:
    return to.rsplit("<", 1)[-1].rstrip(">").strip().lower()


class PostmarkAPI(BaseHTTPRequestHandler):
    """X-Postmark-Server-Token, JSON in, JSON out."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.loads(raw or b"{}")
        with state.lock:
            state.requests.append({"path": self.path, "headers": dict(self.headers), "json": body, "bytes": len(raw)})
            step = state.script.pop(0) if state.script else "accept"
        if self.headers.get("X-Postmark-Server-Token") != state.token:
            return self._answer(401, {"ErrorCode": 10, "Message": "The Server Token you provided in the X-Postmark-Server-Token request header was invalid."})
        if self.path not in ("/email", "/email/batch"):
            return self._answer(404, {"ErrorCode": 404, "Message": "Not found"})
        if isinstance(step, tuple) and step[0] == "stall":
            time.sleep(step[1])  # the request arrived; the answer comes too late
            step = "accept"
        if step == "ratelimited":
            return self._answer(429, {"ErrorCode": 429, "Message": "Rate limit exceeded."})
        if step == "error":
            return self._answer(500, {"ErrorCode": 500, "Message": "Internal server error."})
        if step == "no_credits":  # the account's credits are spent: Postmark's documented 405, no ErrorCode given [U]
            return self._answer(405, {"ErrorCode": 405, "Message": "Not allowed to send: you have run out of credits."})
        if self.path == "/email/batch":
            if len(raw) > state.batch_max_bytes:
                return self._answer(413, {"ErrorCode": 413, "Message": (
                    f"The request is {len(raw)} bytes; a batch may carry at most {state.batch_max_bytes}, attachments included.")})
            if not isinstance(body, list) or len(body) > BATCH_LIMIT:
                return self._answer(422, {"ErrorCode": 300, "Message": "Invalid email request."})
            results = [self._one(message) for message in body]
            return self._answer(200, results[::-1] if step == "reversed" else results)
        if step == "inactive" or _addr_spec(body["To"]) in state.inactive:
            return self._answer(422, _inactive(_addr_spec(body["To"])))
        return self._answer(200, self._one(body))

    def _one(self, message: dict) -> dict:
        state = self.server.state
        if _addr_spec(message["To"]) in state.inactive:
            return _inactive(_addr_spec(message["To"]))
        message_id = str(uuid.uuid4())
        with state.lock:
            state.accepted.append(message_id)
        return {"ErrorCode": 0, "Message": "OK", "MessageID": message_id, "SubmittedAt": SUBMITTED_AT, "To": message["To"]}

    def _answer(self, status: int, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class PostmarkServer:
    def __init__(self, token: str = "server-token-for-tests"):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), PostmarkAPI)
        self.httpd.daemon_threads = True
        self.httpd.state = self
        self.token = token
        self.lock = threading.Lock()
        self.requests, self.accepted, self.script = [], [], []
        self.batch_max_bytes = BATCH_MAX_BYTES
        self.inactive: set[str] = set()  # lower-case addresses Postmark would refuse (a hard bounce or complaint before)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
