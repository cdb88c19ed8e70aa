"""A learner's copy of their data: everything Laurel holds about them, and nobody else's."""

import csv
import io
import json
import zipfile

import pypdfium2
import pytest
from django.core.management import call_command
from django.urls import reverse

from issuance.privacy.export import learner_export_write
from issuance.privacy.search import file_text
from issuance.privacy.subject import subject_find

from .conftest import ANNA, WANG


def _export(world, email=ANNA.email) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    learner_export_write(subject=subject_find(organization_slug=world.org.slug, email=email), out=buffer)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _data(archive, name):
    return json.loads(archive.read(f"data/{name}.json"))


def test_it_exports_every_kind_of_record_of_the_learner_as_json_and_csv_with_the_files(world):
    archive = _export(world, email="Anna.Petrova@Learners.example")  # typed as the learner wrote it
    credential = world.credentials[ANNA.email]
    names = set(archive.namelist())

    assert _data(archive, "learner")[0]["email"] == ANNA.email
    assert [row["external_id"] for row in _data(archive, "identities")] == [ANNA.external_id]
    events = _data(archive, "events")
    assert {event["channel"] for event in events} == {"webhook", "csv"} and len(events) == 2
    webhook_event = next(event for event in events if event["channel"] == "webhook")
    raw = json.loads(archive.read(f"events/{webhook_event['id']}.body"))
    assert raw["data"]["learner"] == {"id": ANNA.external_id, "email": ANNA.email, "name": ANNA.name}
    assert len(_data(archive, "issuances")) == 3  # the webhook's, the CSV row's duplicate, the parked FA-2
    assert _data(archive, "credentials")[0]["id"] == str(credential.pk)
    identifiers = json.loads(archive.read(f"credentials/{credential.pk}.json"))["credentialSubject"]["identifier"]
    assert any(i["identityType"] == "name" and i["identityHash"] == ANNA.name for i in identifiers)
    pdf = pypdfium2.PdfDocument(archive.read(f"credentials/{credential.pk}.pdf"))
    assert ANNA.name in pdf[0].get_textpage().get_text_range()
    emails = _data(archive, "emails")
    assert [email["recipient"] for email in emails] == [ANNA.email]
    assert any(name.startswith(f"emails/{emails[0]['id']}-attachment-1-") for name in names)
    assert _data(archive, "outbound_deliveries")[0]["payload"]["data"]["learner"]["email"] == ANNA.email
    assert len(_data(archive, "audit_records")) >= 5 and _data(archive, "admin_log")
    for table in ("learner", "events", "issuances", "credentials", "emails", "audit_records"):
        assert f"data/{table}.csv" in names
    rows = list(csv.DictReader(io.StringIO(archive.read("data/issuances.csv").decode())))
    assert {row["learner_name"] for row in rows} == {ANNA.name}


def test_it_exports_nobody_elses_data_and_only_the_learners_part_of_a_shared_batch(world):
    archive = _export(world)
    shared = _data(archive, "events_shared")
    digests = _data(archive, "emails_mentioning")

    everything = file_text("export.zip", archive.fp.getvalue())
    assert WANG.email not in everything.casefold() and WANG.name not in everything
    assert WANG.external_id not in everything
    assert [item["actor"]["name"] for item in shared[0]["items"]] == [ANNA.name]
    assert digests and all(ANNA.email in line or ANNA.name in line for line in digests[0]["lines"])
    summary = archive.read("summary.html").decode()
    assert "Records shared with other people" in summary and "only your part" in summary


def test_the_command_writes_the_zip_and_refuses_an_unknown_organisation(world, tmp_path):
    out = io.StringIO()
    call_command("learner_export", ANNA.email, org=world.org.slug, out=str(tmp_path / "anna.zip"), stdout=out)

    assert "Wrote" in out.getvalue() and zipfile.is_zipfile(tmp_path / "anna.zip")
    with pytest.raises(Exception, match="No organisation “nope”"):
        call_command("learner_export", ANNA.email, org="nope", out=str(tmp_path / "x.zip"))


def test_the_admin_action_downloads_the_zip(world, admin_client):
    learner = world.credentials[ANNA.email].learner
    response = admin_client.post(reverse("admin:issuance_learner_changelist"),
                                 {"action": "export_learner_data", "_selected_action": [learner.pk]})

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert "learner-data-harbour-" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert _data(archive, "learner")[0]["email"] == ANNA.email
