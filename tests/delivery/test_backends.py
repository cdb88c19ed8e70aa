"""The embedded profile's transport: the outbox writes each message to var/mail/ as an .eml file."""

from email import message_from_bytes, policy

import pytest

from issuance.delivery.sending import delivery_send_credential_email
from tests.factories.delivery import MINIMAL_PDF, CredentialFactory

pytestmark = pytest.mark.django_db


def test_it_writes_one_eml_file_a_mail_client_can_open(settings, tmp_path):
    settings.EMAIL_BACKEND = "issuance.email.backends.EmlFileBackend"
    settings.MAIL_DIR = tmp_path / "mail"
    credential = CredentialFactory(issuance__course__title="First Aid at Work")

    assert delivery_send_credential_email(issuance=credential.issuance, credential=credential).sent
    delivery_send_credential_email(issuance=credential.issuance, credential=credential)

    [path] = list((tmp_path / "mail").glob("*.eml"))
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Your certificate for First Aid at Work"
    assert [part.get_content() for part in message.iter_attachments()] == [MINIMAL_PDF]
