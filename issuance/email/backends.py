"""Email transports of our own: the embedded profile's .eml files, and SMTP with SMTPUTF8."""

import io
import smtplib
import uuid
from email.generator import BytesGenerator
from email.policy import SMTPUTF8
from email.utils import getaddresses
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import sanitize_address
from django.utils import timezone

from .addresses import address_ascii_domain, address_needs_smtputf8, smtputf8_missing_message

UTF8_POLICY = SMTPUTF8.clone(linesep="\r\n")


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


class SmtpUtf8Unsupported(smtplib.SMTPNotSupportedError):
    """The server lacks SMTPUTF8 and a recipient's local part is not ASCII: permanent for this server."""


class SmtpBackend(DjangoSmtpBackend):
    """Django's SMTP backend, plus SMTPUTF8 (RFC 6531) for recipients whose local part is not ASCII.

    Django writes such a local part as an RFC 2047 encoded word, an address no server delivers
    to. Here the envelope and the To header carry it as UTF-8 when the server offers SMTPUTF8;
    when it does not, SmtpUtf8Unsupported says so. Every other message goes Django's way.
    """

    def _send(self, email_message):
        wide = [address for _, address in getaddresses(email_message.recipients()) if address_needs_smtputf8(address)]
        if not wide:
            return super()._send(email_message)
        self.connection.ehlo_or_helo_if_needed()
        if not self.connection.has_extn("smtputf8"):
            raise SmtpUtf8Unsupported(smtputf8_missing_message(wide))
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [address_ascii_domain(address) for _, address in getaddresses(email_message.recipients())]
        message = email_message.message()
        message.replace_header("To", ", ".join(str(to) for to in email_message.to))
        buffer = io.BytesIO()
        BytesGenerator(buffer, mangle_from_=False, policy=UTF8_POLICY).flatten(message, linesep="\r\n")
        self.connection.sendmail(from_email, recipients, buffer.getvalue(), mail_options=["SMTPUTF8"])
        return True
