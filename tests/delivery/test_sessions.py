"""The sending thread keeps its SMTP session between emails, and never sends into one that is not fit."""

import os
import time

import pytest

from issuance.delivery import transport
from issuance.delivery.sending import delivery_send_credential_email
from issuance.models import OutboxMessage
from tests.delivery.conftest import send_through
from tests.factories.delivery import CredentialFactory
from tests.delivery.servers import SMTPServer

pytestmark = pytest.mark.django_db


def send_credential_emails(count: int) -> list:
    results = []
    for _ in range(count):
        credential = CredentialFactory()
        results.append(delivery_send_credential_email(issuance=credential.issuance, credential=credential))
    return results


def test_one_email_after_another_goes_through_one_session(smtp_server):
    results = send_credential_emails(3)

    assert [result.sent for result in results] == [True, True, True]
    assert len(smtp_server.messages) == 3
    assert len(set(smtp_server.sessions)) == 1


def test_a_session_carries_at_most_keep_messages_and_then_a_new_one_opens(smtp_server, monkeypatch):
    monkeypatch.setattr(transport, "KEEP_MESSAGES", 2)

    results = send_credential_emails(5)

    assert all(result.sent for result in results)
    sessions = smtp_server.sessions
    assert sessions[0] == sessions[1] != sessions[2] == sessions[3] != sessions[4]


def test_a_session_the_server_dropped_while_idle_is_replaced_before_anything_is_sent(settings):
    with SMTPServer(idle_timeout=0.2) as server:
        send_through(settings, server)
        [first] = send_credential_emails(1)
        time.sleep(0.8)  # past the server's idle timeout, and idle long enough (PROBE_AFTER_SECONDS) to be checked

        [second] = send_credential_emails(1)

    assert first.sent and second.sent
    assert OutboxMessage.objects.get(pk=second.message_id).attempts == 1  # not a failed try and a retry
    assert len(server.messages) == 2
    assert server.sessions[0] != server.sessions[1]


def test_a_refused_message_does_not_leave_its_session_to_the_next_email(smtp_server):
    smtp_server.handler.script = ["tempfail"]

    refused, sent = send_credential_emails(2)

    assert (refused.sent, refused.permanent, refused.status) == (False, False, OutboxMessage.Status.QUEUED)
    assert sent.sent
    assert smtp_server.sessions[0] != smtp_server.sessions[1]


def test_new_mail_server_settings_take_effect_at_the_next_email(settings, smtp_server):
    send_credential_emails(1)
    with SMTPServer() as other:
        send_through(settings, other)

        [result] = send_credential_emails(1)

    assert result.sent
    assert len(smtp_server.messages) == 1 and len(other.messages) == 1


def test_a_forked_worker_opens_its_own_session(smtp_server):
    send_credential_emails(1)
    assert transport._kept.connection is not None

    child = os.fork()
    if child == 0:  # the child only looks, and leaves without running any cleanup
        os._exit(0 if transport._kept.connection is None else 1)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert transport._kept.connection is not None  # the parent's session is still its own
    assert send_credential_emails(1)[0].sent
    assert len(set(smtp_server.sessions)) == 1
