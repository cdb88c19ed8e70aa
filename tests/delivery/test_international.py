"""International addresses reach the server as it can take them: IDNA domains always, UTF-8 local parts over SMTPUTF8."""

import json
from email import message_from_string, policy

import pytest

from issuance.delivery.sending import delivery_send_credential_email
from issuance.models import Issuance, OutboxMessage
from tests.delivery.conftest import send_through
from tests.factories.delivery import CredentialFactory
from tests.delivery.servers import SMTPServer

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def _send(address: str, name: str = "Ana Lima"):
    credential = CredentialFactory(issuance__learner__email=address, issuance__learner_name=name)
    return delivery_send_credential_email(issuance=credential.issuance, credential=credential)


@pytest.mark.parametrize("smtputf8", [False, True], ids=["plain-server", "smtputf8-server"])
def test_it_sends_an_international_domain_as_punycode(settings, smtputf8):
    with SMTPServer(smtputf8=smtputf8) as server:
        send_through(settings, server)
        result = _send("ana@bücher.example")
    assert result.sent, result.detail
    [envelope] = server.handler.envelopes
    assert envelope.rcpt_tos == ["ana@xn--bcher-kva.example"]
    assert "SMTPUTF8" not in envelope.mail_options  # nothing in it needs UTF-8
    [received] = server.messages
    assert received["To"] == "Ana Lima <ana@xn--bcher-kva.example>"


def test_it_sends_a_non_ascii_local_part_with_smtputf8_when_the_server_offers_it(settings):
    with SMTPServer(smtputf8=True) as server:
        send_through(settings, server)
        result = _send("siobhán.oreilly@example.ie", name="Siobhán O'Reilly")
    assert result.sent, result.detail
    [envelope] = server.handler.envelopes
    # aiosmtpd hands over the command's bytes surrogate-escaped: they were UTF-8 on the wire.
    assert [a.encode("utf-8", "surrogateescape").decode("utf-8") for a in envelope.rcpt_tos] == ["siobhán.oreilly@example.ie"]
    assert "SMTPUTF8" in envelope.mail_options
    # Headers in UTF-8 (RFC 6532), read as a mail client that speaks SMTPUTF8 reads them.
    received = message_from_string(envelope.original_content.decode("utf-8"), policy=policy.default)
    assert received["To"].addresses[0].addr_spec == "siobhán.oreilly@example.ie"
    assert received["To"].addresses[0].display_name == "Siobhán O'Reilly"
    assert received["Subject"].startswith("Your certificate for ")
    [pdf] = received.iter_attachments()
    assert pdf.get_content().startswith(b"%PDF")


def test_it_fails_for_good_with_the_reason_when_the_server_has_no_smtputf8(settings):
    with SMTPServer(smtputf8=False) as server:
        send_through(settings, server)
        result = _send("siobhán.oreilly@example.ie")
    assert result.permanent and not result.sent
    assert (
        "The mail server does not offer SMTPUTF8, which sending to siobhán.oreilly@example.ie needs "
        "(the part before the @ is not ASCII)"
    ) in result.detail
    assert OutboxMessage.objects.get().status == Status.FAILED
    assert server.messages == []


def test_the_pipeline_parks_the_issuance_saying_smtputf8_is_missing(settings):
    from issuance.worker import issuance_advance

    with SMTPServer(smtputf8=False) as server:
        send_through(settings, server)
        credential = CredentialFactory(issuance__learner__email="siobhán.oreilly@example.ie")
        issuance = credential.issuance
        Issuance.objects.filter(pk=issuance.pk).update(state=Issuance.State.BADGED)
        assert issuance_advance(issuance_id=issuance.pk) == Issuance.State.PARKED
    issuance.refresh_from_db()
    assert issuance.failed_step == "deliver"
    assert "does not offer SMTPUTF8" in issuance.error
    assert "worker stopped" not in issuance.error


def test_it_sends_an_international_domain_as_punycode_through_an_email_api(postmark_server):
    result = _send("ana@bücher.example")
    assert result.sent, result.detail
    [request] = postmark_server.requests
    assert request["json"]["To"] == "Ana Lima <ana@xn--bcher-kva.example>"
    assert json.dumps(request["json"]).isascii()


def test_it_hands_a_non_ascii_local_part_to_an_email_api_as_utf_8(postmark_server):
    result = _send("siobhán.oreilly@bücher.example", name="Siobhán O'Reilly")
    assert result.sent, result.detail
    [request] = postmark_server.requests
    assert request["json"]["To"] == "Siobhán O'Reilly <siobhán.oreilly@xn--bcher-kva.example>"
