"""What every LMS stand-in is made of: a threaded HTTP server on 127.0.0.1 that records each request, and
the faults (timeouts, 5xx, throttling) a test can script."""

import base64
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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

            def do_DELETE(self):
                owner._answer(self, b"")

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


def _instant(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
