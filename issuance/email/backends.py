"""The embedded profile's email transport: each message becomes one .eml file in var/mail/."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    """Writes every message as an RFC 5322 file, so it opens in any mail client."""

    def __init__(self, *args, directory: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(directory or settings.MAIL_DIR)

    def send_messages(self, email_messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            path.write_bytes(message.message().as_bytes(linesep="\r\n"))
            sent += 1
        return sent
