"""Events stored before completion keys existed get theirs when the migration runs, as the dialects make them now."""

import json

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from issuance.models import CompletionEvent
from issuance.sources.cornerstone import cornerstone_completion_key
from issuance.sources.docebo import docebo_completion_key
from issuance.sources.polling import webhook_copy_known

from .cornerstone.test_webhook import record
from .docebo.test_webhook import EVENT

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_migration_fills_the_keys_of_stored_docebo_and_cornerstone_events(make_source):
    docebo, cornerstone, other = make_source("docebo", secret="s"), make_source("cornerstone", secret="k"), make_source("generic", secret="whsec_" + "QUFB" * 8)
    pushed = record("8761503e-0000-4d56-9730-ec17ee33e5d2", targetUserId=7, trainingId="8D86B95C-F7A3")
    stored = {
        "docebo": CompletionEvent.objects.create(source=docebo, external_id="wh-1", body=json.dumps(EVENT).encode()),
        "cornerstone": CompletionEvent.objects.create(source=cornerstone, external_id="cs-1", body=json.dumps(pushed).encode()),
        "not json": CompletionEvent.objects.create(source=docebo, external_id="wh-2", body=b"<xml/>"),
        "emptied": CompletionEvent.objects.create(source=docebo, external_id="wh-3", body=b""),
        "another dialect": CompletionEvent.objects.create(source=other, external_id="m-1", body=json.dumps(EVENT).encode()),
    }
    executor = MigrationExecutor(connection)
    executor.migrate([("issuance", "0056_data_link_learner")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("issuance"))

    keys = {name: CompletionEvent.objects.get(pk=event.pk).completion_key for name, event in stored.items()}
    assert keys == {"docebo": docebo_completion_key(EVENT), "cornerstone": cornerstone_completion_key(pushed["value"]),
                    "not json": "", "emptied": "", "another dialect": ""}
    assert keys["docebo"] == "docebo:13021:211:2026-11-14 10:01:59" and keys["cornerstone"] == "cornerstone:7:8d86b95c-f7a3"


def test_a_pollers_look_up_of_a_webhook_copy_is_one_question_the_key_index_answers(make_source):
    source = make_source("docebo", secret="s")
    with CaptureQueriesContext(connection) as asked:
        assert webhook_copy_known(source=source, completion_key=docebo_completion_key(EVENT)) is False
    [query] = asked.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        else:  # a table this small is cheaper to read whole: ask whether the index can answer at all
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "event_completion_key_idx" in plan, plan
