"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts, or refuses on demand."""

from email.utils import getaddresses
import email
import email.policy
import logging
import threading

from aiosmtpd.controller import Controller

from bench.smtp_sink import free_port


logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO


class RecordingHandler:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.answer = None  # e.g. "451 4.3.0 try later" to refuse the next messages
        self.refused_recipients: dict[str, str] = {}  # address -> answer, to refuse one recipient and take the others

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refused_recipients.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer:
            return self.answer
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 2.0.0 accepted"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()  # aiosmtpd's controller cannot be given port 0
        self.controller = None

    def start(self):
        """Listen on this server's port; after `stop()`, the same port again (an outage ends), keeping the messages."""
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)  # a stopped one cannot restart
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str):
        """Messages whose To header holds `address`, with or without a display name."""
        return [m for m in self.messages if address in [addr for _, addr in getaddresses([m["To"]])]]

    def refuse(self, answer: str | None):
        self.handler.answer = answer

    def refuse_recipient(self, address: str, answer: str | None):
        """Refuse `address` at RCPT with `answer` (e.g. "451 4.2.0 mailbox busy"); None takes it again."""
        if answer:
            self.handler.refused_recipients[address.lower()] = answer
        else:
            self.handler.refused_recipients.pop(address.lower(), None)


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def body(message, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()
