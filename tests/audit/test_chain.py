"""The audit trail is a hash chain: `audit_verify` passes while it is intact and names the first
record that was edited, removed or inserted behind Laurel's back."""

import io
import subprocess
import sys
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from audit.chain import ERASURE_STATE, audit_chain_verify
from audit.redaction import audit_records_redact
from audit.models import AuditRecord
from audit.services import audit_record
from tests.pipeline.cluster import ROOT, database_url


def write(n: int, label="system") -> list[AuditRecord]:
    return [audit_record(to_state="validated", from_state="received", actor_kind="system", actor_label=label,
                         detail=f"record {i}") for i in range(n)]


def verify() -> str:
    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return f"BROKEN: {exc}"
    return out.getvalue()


def raw(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_it_reports_an_intact_trail_and_its_last_hash():
    records = write(5)

    said = verify().splitlines()

    assert said[0] == "Audit trail intact: 5 records chained."
    assert said[1] == f"Last record: #{records[-1].pk}, hash {AuditRecord.objects.get(pk=records[-1].pk).record_hash}"


@pytest.mark.django_db
def test_it_catches_a_row_edited_in_the_database():
    records = write(5)
    raw("UPDATE audit_auditrecord SET detail = %s WHERE id = %s", "nothing happened here", records[2].pk)

    said = verify()

    assert said.startswith("BROKEN: Audit trail broken after 2 intact records")
    assert f"#{records[2].pk}" in said and "was changed after it was written" in said


@pytest.mark.django_db
def test_it_catches_an_edit_that_also_recomputes_the_row_hash_naively():
    import hashlib

    records = write(3)
    raw("UPDATE audit_auditrecord SET actor_label = %s, record_hash = %s WHERE id = %s",
        "someone-else", hashlib.sha256(b"forged").hexdigest(), records[0].pk)

    assert f"#{records[0].pk}" in verify()


@pytest.mark.django_db
def test_it_catches_a_row_removed_from_the_middle():
    records = write(4)
    raw("DELETE FROM audit_auditrecord WHERE id = %s", records[1].pk)

    said = verify()

    assert f"audit record #{records[2].pk} does not follow record #{records[0].pk}" in said


@pytest.mark.django_db
def test_it_catches_rows_removed_from_the_end():
    records = write(4)
    raw("DELETE FROM audit_auditrecord WHERE id >= %s", records[2].pk)

    said = verify()

    assert "records were removed from the end" in said and f"#{records[3].pk}" in said


@pytest.mark.django_db(transaction=True)
def test_it_exits_non_zero_from_the_command_line_when_broken():
    records = write(3)
    env = {"DATABASE_URL": database_url(), "PATH": "/usr/bin:/bin"}

    intact = subprocess.run([sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True)
    raw("UPDATE audit_auditrecord SET to_state = %s WHERE id = %s", "issued", records[1].pk)
    broken = subprocess.run([sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert intact.returncode == 0, intact.stderr
    assert broken.returncode != 0
    assert f"#{records[1].pk}" in broken.stderr


@pytest.mark.django_db(transaction=True)
def test_it_chains_records_written_at_the_same_time_by_several_writers():
    errors = []

    def writer(n):
        try:
            write(15, label=f"writer-{n}")
        except Exception as exc:  # noqa: BLE001  (reported below, with the thread's own connection closed)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    report = audit_chain_verify()
    assert report.intact, report.problem
    assert report.checked == 60
    assert len(set(AuditRecord.objects.values_list("previous_hash", flat=True))) == 60  # no fork


@pytest.mark.django_db(transaction=True)
def test_its_migration_chains_the_records_written_before_the_chain_existed():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_initial")])
    with connection.cursor() as cursor:
        for n in range(3):
            cursor.execute("INSERT INTO audit_auditrecord (at, from_state, to_state, actor_kind, actor_label, detail) "
                           "VALUES (%s, '', 'validated', 'system', 'system', %s)", ["2026-11-2%d 10:00:00+00:00" % n, f"old {n}"])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))

    write(1)
    report = audit_chain_verify()

    assert report.intact, report.problem
    assert report.checked == 4


@pytest.mark.django_db
def test_an_erasure_rewrites_past_details_and_the_trail_still_verifies():
    records = write(3)
    erasure = audit_record(to_state=ERASURE_STATE, actor_kind="system", actor_label="privacy", detail="Learner sha256:…")

    rewritten = audit_records_redact(record_ids=[records[1].pk], erasure=erasure, rewrite=lambda text: "[erased]")

    assert rewritten == 1 and AuditRecord.objects.get(pk=records[1].pk).detail == "[erased]"
    assert verify().startswith("Audit trail intact: 4 records chained.")


@pytest.mark.django_db
def test_it_catches_a_rewrite_that_claims_a_redaction_no_erasure_made():
    records = write(3)
    raw("UPDATE audit_auditrecord SET detail = %s, redacted_by_id = %s WHERE id = %s", "nothing here", records[2].pk,
        records[0].pk)

    said = verify()

    assert f"#{records[0].pk}" in said and "which is not a later erasure record" in said
