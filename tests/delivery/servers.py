"""Real servers on 127.0.0.1 for delivery tests: an SMTP server (aiosmtpd), and the Postmark stand-in.

Each records what it received and answers from a script of behaviours, so a test can say
"refuse the first attempt with a 4xx, then accept".
"""

import asyncio
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from bench.smtp_sink import free_port
from stand_ins.postmark import PostmarkServer  # noqa: F401 (the delivery tests' Postmark API)


class RecordingSMTPHandler:
    """Accepts mail unless told otherwise. `script` is consumed one entry per message:
    "accept", "tempfail" (451 at RCPT), "reject" (550 at RCPT), ("stall", seconds) after DATA arrived, or
    ("then", callable): accept, calling it after DATA arrived and before the answer (a fault at that moment)."""

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
        if isinstance(self._current, tuple) and self._current[0] == "then":
            self._current[1]()
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
