"""An outbox row as the email a transport sends: the parts Django would build, each boundary its own."""

import re
from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMessage

from issuance.delivery.outbox import outbox_enqueue
from issuance.delivery.transport import email_attachment_part, outbox_email
from issuance.delivery.sending import credential_email_compose
from tests.factories.delivery import MINIMAL_PDF, CredentialFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filename", ["Certificate - First Aid at Work - Ana Lima.pdf", "Certificate - Primeros auxilios - Zoë 李.pdf"])
@pytest.mark.parametrize("content", [MINIMAL_PDF, bytes(range(256)) * 300, b"no final newline"])
def test_it_attaches_a_file_byte_for_byte_as_django_would(filename, content):
    email = EmailMessage(body="-")
    email.attach(filename, content, "application/pdf")
    django_part = email.message().get_payload()[-1]

    part = email_attachment_part(content=content, filename=filename, mimetype="application/pdf")

    assert part.as_bytes() == django_part.as_bytes()


def test_it_gives_each_multipart_a_fresh_boundary_and_every_part_reads_back_as_stored():
    credential = CredentialFactory()
    row = outbox_enqueue(draft=credential_email_compose(issuance=credential.issuance, credential=credential))

    first, second = (outbox_email(message=row).message().as_bytes(linesep="\r\n") for _ in range(2))

    message = message_from_bytes(first, policy=policy.default)
    boundaries = [part.get_boundary() for part in message.walk() if part.is_multipart()]
    again = [part.get_boundary() for part in message_from_bytes(second, policy=policy.default).walk() if part.is_multipart()]
    assert len(boundaries) == 2 and len(set(boundaries + again)) == 4
    for boundary in boundaries:  # in its Content-Type and its delimiter lines, nowhere else
        escaped = re.escape(boundary.encode())
        assert len(re.findall(escaped, first)) == 1 + len(re.findall(rb"^--" + escaped + rb"(--)?\r$", first, re.M))
    text, html = (message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    assert (text, html) == (row.text_body, row.html_body)
    [pdf] = message.iter_attachments()
    assert pdf.get_content() == MINIMAL_PDF and pdf.get_filename() == row.attachments[0]["filename"]
