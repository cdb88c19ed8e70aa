"""A source's signing secrets and secret settings are kept encrypted with the key encryption key, as connections'
secrets are: the database holds no secret in clear, sources saved before are converted by a migration, and the
signatures their senders make are still verified."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from courses.keys.crypto import secret_decrypt
from issuance.models import CompletionEvent, Source
from tests.factories.courses import CourseFactory, OrganizationFactory, StaffUserFactory
from tests.factories.issuance import DEMO_SECRET, SourceFactory
from tests.intake.conftest import Sender, generic_event

pytestmark = pytest.mark.django_db(transaction=True)
NEXT_SECRET = "whsec_bmV4dC1zZWNyZXQtZm9yLXJvdGF0aW9uLTEyMzQ1Ng=="
WS_TOKEN = "ws-token-9c81-kept-secret"


def stored(source) -> dict:
    """The columns as the database holds them, read without the model's fields."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_secret, signing_secret_next, secret_settings FROM issuance_source WHERE id = %s", [source.pk])
        return dict(zip(("signing_secret", "signing_secret_next", "secret_settings"), cursor.fetchone()))


def test_it_keeps_a_sources_secrets_encrypted_and_reads_them_back():
    source = SourceFactory(signing_secret=DEMO_SECRET, signing_secret_next=NEXT_SECRET,
                           dialect="moodle", secret_settings={"ws_token": WS_TOKEN})

    raw = stored(source)

    assert not any(secret in str(value) for value in raw.values() for secret in (DEMO_SECRET, NEXT_SECRET, WS_TOKEN))
    assert secret_decrypt(token=raw["signing_secret"]) == DEMO_SECRET
    assert json.loads(secret_decrypt(token=raw["secret_settings"])) == {"ws_token": WS_TOKEN}
    again = Source.objects.get(pk=source.pk)
    assert (again.signing_secret, again.signing_secret_next, again.secret_settings) == (DEMO_SECRET, NEXT_SECRET, {"ws_token": WS_TOKEN})


def test_it_stores_no_secret_as_empty_text():
    source = SourceFactory(signing_secret="", secret_settings={})

    assert stored(source) == {"signing_secret": "", "signing_secret_next": "", "secret_settings": ""}
    assert Source.objects.filter(signing_secret="").get() == source  # "is one set?" can still be asked


def test_it_never_answers_a_secret_in_the_api():
    source = SourceFactory(dialect="moodle", secret_settings={"ws_token": WS_TOKEN})
    api = APIClient()
    api.force_authenticate(StaffUserFactory())

    shown = api.get(f"/api/v1/sources/{source.slug}/").content.decode()

    assert json.loads(shown)["has_secret"] is True
    assert DEMO_SECRET not in shown and WS_TOKEN not in shown


def test_the_migration_encrypts_secrets_stored_in_clear_and_their_signatures_still_verify(live_server):
    organization = OrganizationFactory()
    CourseFactory(organization=organization, code="FA-101")
    source = SourceFactory(organization=organization, signing_secret_next=NEXT_SECRET)
    executor = MigrationExecutor(connection)
    executor.migrate([("issuance", "0034_source_dialect_mapped")])  # the one before the encryption
    with connection.cursor() as cursor:  # a row as it was kept before: in clear
        cursor.execute("UPDATE issuance_source SET signing_secret = %s WHERE id = %s", [DEMO_SECRET, source.pk])
    assert stored(source)["signing_secret"] == DEMO_SECRET
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("issuance"))

    raw = stored(source)
    assert DEMO_SECRET not in raw["signing_secret"] and NEXT_SECRET not in raw["signing_secret_next"]
    assert secret_decrypt(token=raw["signing_secret"]) == DEMO_SECRET
    for n, secret in enumerate((DEMO_SECRET, NEXT_SECRET)):
        answer = Sender(live_server.url, source, secret=secret).post(generic_event(), message_id=f"msg_{n}")
        assert answer.status_code in (200, 202), answer.text
    assert CompletionEvent.objects.filter(source=source).count() == 2
