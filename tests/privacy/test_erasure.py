"""Erasure: nothing of the learner is left anywhere Laurel stores data (searched by introspection, not by a list),
their credentials are revoked the usual way, the audit trail still verifies, and the other learner is untouched."""

import html
import io
import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from audit.chain import audit_chain_verify
from audit.models import AuditRecord
from issuance.models import CompletionEvent, Credential, Issuance, Learner, OutboundDelivery
from issuance.privacy.erasure import learner_erase
from issuance.privacy.search import personal_data_search
from issuance.privacy.subject import ERASED_REASON, subject_find, subject_hash

from .conftest import ANNA, WANG

CORRECTED_NAME = "Анна Петрова-Смирнова"


def _folders():
    return [settings.MEDIA_ROOT, settings.MAIL_DIR]


def _needles(person):
    return [person.email, person.name, person.external_id] + ([CORRECTED_NAME] if person is ANNA else [])


def _erase(world, django_capture_on_commit_callbacks, actor=None, email=ANNA.email):
    subject = subject_find(organization_slug=world.org.slug, email=email)
    with django_capture_on_commit_callbacks(execute=True):
        return learner_erase(subject=subject, actor=actor)


@pytest.fixture
def corrected(world):
    # Staff corrected her name after issue: both the old and the new name are hers to erase.
    Learner.objects.filter(email=ANNA.email).update(name=CORRECTED_NAME)
    return world


def test_a_search_of_the_whole_database_and_media_finds_nothing_of_her_after_erasure(
        corrected, admin_user, django_capture_on_commit_callbacks, capsys):
    world = corrected
    before = personal_data_search(needles=_needles(ANNA), folders=_folders())
    assert {hit.where.split(".")[0] for hit in before.hits} >= {
        "issuance_learner", "issuance_completionevent", "issuance_issuance", "issuance_credential",
        "issuance_outboxmessage", "issuance_outbounddelivery", "audit_auditrecord", "django_admin_log",
        "issuance_learneridentity"}
    assert any(hit.where.endswith(".pdf") for hit in before.hits)  # the certificate's text, read with pypdfium2

    report = _erase(world, django_capture_on_commit_callbacks, actor=admin_user)
    after = personal_data_search(needles=_needles(ANNA), folders=_folders())
    digest = personal_data_search(needles=[subject_hash(ANNA.email)], folders=_folders())
    other = personal_data_search(needles=_needles(WANG), folders=_folders())

    with capsys.disabled():
        print(f"\n[{connection.vendor}] erasure search: {after.tables} tables, {len(after.columns)} text/JSON/binary "
              f"columns, {after.rows} rows, {after.files} files; hits for her: {len(after.hits)}; "
              f"hash found in: {sorted({h.where for h in digest.hits})}; hits for the other learner: {len(other.hits)}")
    assert after.hits == []
    assert [hit.where for hit in digest.hits] == ["audit_auditrecord.detail"]
    assert AuditRecord.objects.get(pk=report.erasure_record_id).detail.startswith(
        f"Learner sha256:{subject_hash(ANNA.email)} of harbour {ERASED_REASON}")
    # The search would have found her: it still finds the other learner, in the database and in his files.
    assert {"issuance_learner", "issuance_completionevent", "audit_auditrecord"} <= {
        hit.where.split(".")[0] for hit in other.hits}
    assert any(hit.where.endswith(".pdf") for hit in other.hits)
    assert "django_admin_log.object_repr" in after.columns and "issuance_completionevent.body" in after.columns


def test_her_credentials_are_revoked_the_usual_way_and_connected_systems_are_told(
        world, admin_user, django_capture_on_commit_callbacks):
    credential = world.credentials[ANNA.email]

    _erase(world, django_capture_on_commit_callbacks, actor=admin_user)
    credential.refresh_from_db()

    assert credential.status == Credential.Status.REVOKED and credential.status_reason == ERASED_REASON
    assert credential.issuance.state == Issuance.State.REVOKED
    assert credential.status_entries.filter(purpose="revocation").exists()
    told = [event for event in world.receiver.events if event["type"] == "credential.revoked"]
    assert [event["data"]["credential_id"] for event in told] == [str(credential.pk)]
    assert told[0]["data"]["reason"] == ERASED_REASON
    delivery = OutboundDelivery.objects.get(credential=credential, action="credential.revoked")
    assert delivery.status == OutboundDelivery.Status.DONE
    assert ANNA.email not in json.dumps(delivery.payload)
    # Her issuance that was still parked stopped for good: nothing is rendered or emailed for a pseudonym.
    assert not Issuance.objects.filter(learner=credential.learner, finished_at__isnull=True).exists()


def test_her_public_pages_say_only_that_it_was_erased(world, client, django_capture_on_commit_callbacks):
    credential = world.credentials[ANNA.email]
    assert client.get(f"/credentials/{credential.pk}").status_code == 200

    _erase(world, django_capture_on_commit_callbacks)
    page = client.get(f"/credentials/{credential.pk}")
    body = page.content.decode().split("<body", 1)[1].split(">", 1)[1]
    shown = html.unescape(re.sub(r"\s+", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>|<[^>]+>", " ", body, flags=re.S)))

    assert page.status_code == 410
    assert shown.strip() == f"Credential erased This credential was {ERASED_REASON}."
    for suffix in (".pdf", ".json", "/badge.png"):
        response = client.get(f"/credentials/{credential.pk}{suffix}")
        assert response.status_code == 410 and ERASED_REASON in response.content.decode().lower(), suffix
    assert client.get(f"/ob2/assertions/{credential.pk}").json()["revocationReason"] == ERASED_REASON
    assert client.get(f"/credentials/{world.credentials[WANG.email].pk}").status_code == 200


def test_the_audit_trail_verifies_after_erasure_and_keeps_the_timeline(world, django_capture_on_commit_callbacks):
    records_before = AuditRecord.objects.count()

    report = _erase(world, django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)

    assert out.getvalue().startswith("Audit trail intact:")
    assert audit_chain_verify().intact
    redacted = AuditRecord.objects.filter(redacted_by_id=report.erasure_record_id)
    assert redacted.count() >= 5 and AuditRecord.objects.count() > records_before
    assert redacted.filter(detail__contains="Completion of FA-1 by erased-").exists()


def test_the_other_learner_and_his_part_of_the_shared_batch_are_untouched(world, django_capture_on_commit_callbacks):
    wang_event = CompletionEvent.objects.get(external_id="msg-2")
    body_before = bytes(wang_event.body)

    _erase(world, django_capture_on_commit_callbacks)
    wang_event.refresh_from_db()
    world.batch.refresh_from_db()

    assert bytes(wang_event.body) == body_before
    assert [item["actor"]["name"] for item in json.loads(bytes(world.batch.body))] == [WANG.name]
    assert world.credentials[WANG.email].__class__.objects.get(pk=world.credentials[WANG.email].pk).status == "active"
    assert Learner.objects.get(email=WANG.email).name == WANG.name


def test_erasure_is_idempotent(world, django_capture_on_commit_callbacks):
    _erase(world, django_capture_on_commit_callbacks)
    records = AuditRecord.objects.count()

    again = _erase(world, django_capture_on_commit_callbacks)

    assert again.total == 0 and again.already_erased and again.erasure_record_id is None
    assert AuditRecord.objects.count() == records


def test_the_dry_run_lists_every_place_with_counts_and_changes_nothing(world):
    out = io.StringIO()
    call_command("learner_erase", ANNA.email, org=world.org.slug, dry_run=True, stdout=out)
    said = out.getvalue()

    for place in ("issuance_learner ", "issuance_completionevent (own)", "issuance_completionevent (shared batches)",
                  "issuance_credential (to revoke)", "issuance_outboxmessage (to the learner)",
                  "issuance_outboxmessage (mentioning them)", "issuance_outbounddelivery", "audit_auditrecord",
                  "django_admin_log", "stored files (media)"):
        assert place in said, place
    assert re.search(r"issuance_issuance\s+3\s", said)
    assert "Dry run:" in said and "nothing was changed" in said
    assert Learner.objects.filter(email=ANNA.email).exists()
    assert Credential.objects.get(pk=world.credentials[ANNA.email].pk).status == "active"


def test_the_command_asks_before_it_erases(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Not erased"):
        call_command("learner_erase", ANNA.email, org=world.org.slug, stdout=io.StringIO())
    assert Learner.objects.filter(email=ANNA.email).exists()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("learner_erase", ANNA.email, org=world.org.slug, yes=True, stdout=out)

    assert not Learner.objects.filter(email=ANNA.email).exists()
    assert "mentions left: 0." in out.getvalue() and f"sha256:{subject_hash(ANNA.email)}" in out.getvalue()


def test_the_admin_action_confirms_with_the_plan_then_erases(world, admin_client):
    learner = Learner.objects.get(email=ANNA.email)
    url = reverse("admin:issuance_learner_changelist")

    page = admin_client.post(url, {"action": "erase_learner_data", "_selected_action": [learner.pk]})
    assert page.status_code == 200 and "Yes, erase their data" in page.content.decode()
    assert "issuance_credential (to revoke)" in page.content.decode()
    assert Learner.objects.filter(email=ANNA.email).exists()

    done = admin_client.post(url, {"action": "erase_learner_data", "_selected_action": [learner.pk], "confirm": "yes"},
                             follow=True)
    assert "Erased 1 learner: sha256:" in done.content.decode()
    learner.refresh_from_db()
    assert learner.erased_at is not None and learner.name == "Erased learner"
