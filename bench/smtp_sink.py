"""An SMTP server on 127.0.0.1 (aiosmtpd) that accepts everything and records when each recipient's mail arrived."""

import logging
import socket
import threading
import time

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _ArrivalHandler:
    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.received: dict[str, int] = {}  # messages per recipient
        self.duplicates = 0  # a second message to the same recipient: the pipeline sent twice
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        # Wall-clock time: the load process records its POSTs with the same clock.
        now = time.time()
        with self.lock:
            for recipient in envelope.rcpt_tos:
                if recipient.lower() in self.arrivals:
                    self.duplicates += 1
                self.arrivals.setdefault(recipient.lower(), now)
                self.received[recipient.lower()] = self.received.get(recipient.lower(), 0) + 1
        return "250 2.0.0 accepted"


class ArrivalSink:
    """Start with `start()`; `arrivals_for(prefix)` gives {recipient: unix time} for addresses starting with it."""

    def __init__(self, host: str = "127.0.0.1"):
        self.handler = _ArrivalHandler()
        self.host = host
        self.port = free_port(host)
        # Certificates are ~80 KB; allow generous messages so nothing is refused for size.
        self.controller = Controller(self.handler, hostname=host, port=self.port, data_size_limit=20_000_000)

    def start(self) -> "ArrivalSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def arrivals_for(self, prefix: str) -> dict[str, float]:
        with self.handler.lock:
            return {address: at for address, at in self.handler.arrivals.items() if address.startswith(prefix)}

    def duplicates_for(self, prefix: str) -> int:
        """Messages beyond the first to each recipient starting with `prefix`."""
        with self.handler.lock:
            return sum(count - 1 for address, count in self.handler.received.items() if address.startswith(prefix))

    def wait_for(self, *, prefix: str, count: int, deadline: float, on_wait=None) -> dict[str, float]:
        """Block until `count` recipients with `prefix` arrived or the monotonic `deadline` passed."""
        while time.monotonic() < deadline:
            arrived = self.arrivals_for(prefix)
            if len(arrived) >= count:
                return arrived
            if on_wait:
                on_wait(len(arrived))
            time.sleep(0.05)
        return self.arrivals_for(prefix)
