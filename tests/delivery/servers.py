"""Real servers on 127.0.0.1 for delivery tests: an SMTP server (aiosmtpd) and a Postmark-speaking HTTP API.

Each records what it received and answers from a script of behaviours, so a test can say
"refuse the first attempt with a 4xx, then accept".
"""

import asyncio
import json
import threading
import time
import uuid
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from bench.smtp_sink import free_port


class RecordingSMTPHandler:
    """Accepts mail unless told otherwise. `script` is consumed one entry per message:
    "accept", "tempfail" (451 at RCPT), "reject" (550 at RCPT), or ("stall", seconds) after DATA arrived."""

    def __init__(self):
        self.messages = []  # email.message.EmailMessage, parsed from what DATA carried
        self.envelopes = []
        self.sessions = []  # the client's (address, port) at each MAIL FROM: one port per SMTP session
        self.script = []
        self._current = "accept"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.sessions.append(session.peer)
        envelope.mail_options.extend(mail_options)
        self._current = self.script.pop(0) if self.script else "accept"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._current == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self._current == "reject":
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        if isinstance(self._current, tuple) and self._current[0] == "stall":
            await asyncio.sleep(self._current[1])  # the message arrived; the answer comes too late
        return "250 2.0.0 Message accepted for delivery"


class SMTPServer:
    """`idle_timeout`: seconds after which the server drops a session that sends nothing, as relays do.
    `smtputf8`: whether the server offers SMTPUTF8 (RFC 6531) in its EHLO answer."""

    def __init__(self, *, idle_timeout: float = 300, smtputf8: bool = False):
        self.handler = RecordingSMTPHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, timeout=idle_timeout, enable_SMTPUTF8=smtputf8
        )

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages

    @property
    def sessions(self) -> list:
        """One entry per MAIL FROM, naming the session it came in: equal entries, the same session."""
        return self.handler.sessions


class PostmarkAPI(BaseHTTPRequestHandler):
    """Postmark's POST /email as documented: X-Postmark-Server-Token, JSON in, JSON out."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        state.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
        if self.headers.get("X-Postmark-Server-Token") != state.token:
            return self._answer(401, {"ErrorCode": 10, "Message": "The Server Token you provided in the X-Postmark-Server-Token request header was invalid."})
        if self.path != "/email":
            return self._answer(404, {"ErrorCode": 404, "Message": "Not found"})
        step = state.script.pop(0) if state.script else "accept"
        if isinstance(step, tuple) and step[0] == "stall":
            time.sleep(step[1])  # the request arrived; the answer comes too late
            step = "accept"
        if step == "accept":
            message_id = str(uuid.uuid4())
            state.accepted.append(message_id)
            return self._answer(200, {"To": body["To"], "SubmittedAt": "2026-03-14T10:00:00.0000000-04:00",
                                      "MessageID": message_id, "ErrorCode": 0, "Message": "OK"})
        if step == "inactive":
            address = body["To"].rsplit("<", 1)[-1].rstrip(">").lower()
            return self._answer(422, {"ErrorCode": 406, "Message": (
                "You tried to send to a recipient that has been marked as inactive.\n"
                f"Found inactive addresses: {address}.\n"
                "Inactive recipients are ones that have generated a hard bounce or a spam complaint. ")})
        if step == "ratelimited":
            return self._answer(429, {"ErrorCode": 429, "Message": "Rate limit exceeded."})
        return self._answer(500, {"ErrorCode": 500, "Message": "Internal server error."})

    def _answer(self, status: int, payload: dict):
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
        self.requests, self.accepted, self.script = [], [], []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
