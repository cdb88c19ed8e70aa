"""HTTP servers on 127.0.0.1 that speak each outside system's documented API, as far as Laurel uses it.

Each keeps what it holds (badges, assertions, credentials, contacts, records, events) and every
request it received, and answers from a script of behaviours for the calls that create things:
"ok"; ("fail", status, headers, body) answers without acting; ("stall", seconds) acts, then
answers too late for the client (the request reached the server, its answer did not). A path in
`drips` is answered a byte at a time, that many seconds apart, as a site that sends slowly does.
"""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeService:
    def __init__(self, *, host: str = "127.0.0.1"):
        self.requests: list[dict] = []
        self.script: list = []
        # (method, path) → (status, body, headers): a page answered instead of the API, whatever the call
        # (a proxy's 403, a website's 404 page), as real servers behind a gateway or a wrong base_url do.
        self.pages: dict[tuple[str, str], tuple] = {}
        self.drips: dict[str, float] = {}
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "at": time.monotonic()}
                with service._lock:
                    service.requests.append(request)
                status, headers, payload, stall = service._answer(request)
                if stall:
                    time.sleep(stall)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in {"content-type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    if drip := service.drips.get(request["path"], 0):
                        for index in range(len(data)):
                            self.wfile.write(data[index:index + 1])
                            self.wfile.flush()
                            time.sleep(drip)
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it was meant to

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, request):
        self._stall = 0
        page = self.pages.get((request["method"], request["path"]))
        if page is not None:
            status, body, headers = page
            return status, headers, body, 0
        try:
            result = self.handle(request)
        except Exception as exc:  # a server bug shows as a 500 with its message, not as a hang
            return 500, {}, {"error": repr(exc)}, 0
        status, payload = result[:2]
        headers = result[2] if len(result) > 2 else {}
        return status, headers, payload, getattr(self, "_stall", 0)

    def behaviour(self):
        """The next scripted behaviour for a creating call; sets a stall for the answer if asked."""
        self._stall = 0
        entry = self.script.pop(0) if self.script else "ok"
        if isinstance(entry, tuple) and entry[0] == "stall":
            self._stall = entry[1]
            return "ok"
        return entry

    def calls(self, method: str, path_part: str = "") -> list[dict]:
        return [r for r in self.requests if r["method"] == method and path_part in r["path"]]

    def handle(self, request):  # pragma: no cover - each service defines its own
        raise NotImplementedError

    @staticmethod
    def json_body(request) -> dict:
        return json.loads(request["body"] or b"{}")

    @staticmethod
    def basic_user(request) -> str:
        value = request["headers"].get("authorization", "")
        if not value.startswith("Basic "):
            return ""
        return base64.b64decode(value[6:]).decode()
