"""An email the mail server accepted just as PostgreSQL dropped the worker's connection (a restart, a failover)
is recorded sent once the database answers again: not left `sending` for the sweep to send a second time."""

import psycopg
import pytest
from django.db import connection

from issuance.delivery.outbox import outbox_enqueue, outbox_send
from issuance.delivery.sending import credential_email_compose
from issuance.delivery.tasks import outbox_sweep
from issuance.models import Effect, OutboxMessage
from tests.factories.delivery import CredentialFactory

pytestmark = pytest.mark.django_db(transaction=True)


def drop_the_workers_connections():
    """What a PostgreSQL restart does to every open connection: ends it, from the server's side."""
    params = connection.get_connection_params()
    with psycopg.connect(**{key: value for key, value in params.items() if key != "context"}, autocommit=True) as admin:
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert ended >= 1


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the embedded profile's database is a file, with no server to drop a connection")


def test_an_email_accepted_as_the_connection_drops_is_recorded_sent_and_not_sent_again(postgres, smtp_server, settings):
    credential = CredentialFactory()
    message = outbox_enqueue(draft=credential_email_compose(issuance=credential.issuance, credential=credential))
    smtp_server.handler.script = [("then", drop_the_workers_connections)]

    result = outbox_send(message_id=message.pk)

    assert result.sent
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.attempts, row.possible_duplicate) == (OutboxMessage.Status.SENT, 1, False)
    outbox_sweep()
    assert len(smtp_server.messages) == 1


def test_the_write_gives_up_after_its_time_so_a_lasting_outage_still_surfaces(postgres, smtp_server, settings):
    settings.LAUREL_OUTCOME_WRITE_SECONDS = 0
    credential = CredentialFactory()
    message = outbox_enqueue(draft=credential_email_compose(issuance=credential.issuance, credential=credential))
    smtp_server.handler.script = [("then", drop_the_workers_connections)]
    with pytest.raises(Exception) as raised:
        outbox_send(message_id=message.pk)
    assert "connection" in str(raised.value).lower() or "terminat" in str(raised.value).lower()
    connection.close()
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENDING  # the sweep's to settle
    assert not Effect.objects.exists()
