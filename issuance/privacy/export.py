"""A learner's copy of their data: one ZIP with a readable summary, every record as JSON and CSV, and the files."""

import csv
import io
import json
import zipfile
from datetime import datetime

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from .records import LearnerRecords, learner_records
from .subject import LearnerSubject

LABELS = {
    "learner": "You, as matched by your email", "identities": "Your ids on learning platforms",
    "events": "Completions received", "events_shared": "Your part of requests shared with others",
    "issuances": "Decisions on each completion", "credentials": "Credentials issued",
    "credential_revisions": "Earlier signed copies", "emails": "Emails sent to you",
    "emails_mentioning": "Staff emails that mention you", "email_attempts": "Email delivery attempts",
    "outbound_deliveries": "Sent to connected systems", "renewal_reminders": "Renewal reminders",
    "programme_awards": "Programmes awarded to you",
    "imported_credentials": "Credentials brought over from another platform",
    "import_uploads": "Your rows in files uploaded to bring credentials over",
    "status_list_entries": "Status list entries", "suppressions": "Addresses not to email",
    "audit_records": "Audit trail", "admin_log": "Staff changes in the admin",
}
BINARY_FIELDS = {"body"}  # written as files of their own, byte for byte
HIDDEN_FIELDS = {"detail_salt", "claim_token", "secret_encrypted"}


def _row(instance, *, omit=()) -> dict:
    row = {}
    for field in instance._meta.concrete_fields:
        if field.attname in omit or field.name in BINARY_FIELDS or field.attname in HIDDEN_FIELDS:
            continue
        value = getattr(instance, field.attname)
        row[field.attname] = value.name if hasattr(value, "name") and hasattr(value, "storage") else value
    return row


def _shared_event_row(shared) -> dict:
    event = shared.event
    return {"id": event.pk, "source": event.source.slug, "external_id": event.external_id,
            "received_at": event.received_at, "status": event.status,
            "note": "This request carried several learners; only this learner's part is included.",
            "items": shared.items}


def _digest_lines(subject: LearnerSubject, message) -> dict:
    # A staff email lists several learners: only the lines naming this one are theirs.
    lines = [line for line in message.text_body.splitlines() if subject.mentioned_in(line)]
    return {"id": message.pk, "kind": message.kind, "sent_at": message.sent_at, "subject": message.subject,
            "note": "An email to the organisation's staff that mentions this learner; only those lines are included.",
            "lines": lines}


def _award_row(award) -> dict:
    # The programme by its code and name, and the credentials that satisfied it, which the learner holds.
    return {**_row(award), "programme_code": award.programme.code, "programme_name": award.programme.name,
            "constituent_credentials": [str(credential.pk) for credential in award.constituents.all()]}


def _imported_row(imported) -> dict:
    # Where it came from and when it was first issued there (the issuance's completion keeps the original's dates).
    original = (imported.issuance.completion or {}).get("imported") or {}
    credential = getattr(imported.issuance, "credential", None)
    return {"source": imported.get_source_display(), "original_id": imported.original_id,
            "original_url": imported.original_url, "source_badge": imported.source_badge,
            "originally_issued_at": original.get("issued_at"), "original_expires_at": original.get("expires_at"),
            "file_name": imported.file_name, "row": imported.row, "imported_at": imported.imported_at,
            "issuance_id": str(imported.issuance_id), "credential_id": str(credential.pk) if credential else ""}


def _upload_row(part) -> dict:
    upload = part.upload
    return {"id": upload.pk, "file_name": upload.file_name, "source": upload.get_source_display(),
            "uploaded_at": upload.uploaded_at, "imported_at": upload.imported_at,
            "note": "A file of several learners uploaded to bring credentials over; only your rows are included.",
            "rows": part.records}


def export_tables(records: LearnerRecords) -> dict[str, list[dict]]:
    """Each kind of record, as rows: what the JSON and CSV files of the export hold."""
    subject = records.subject
    return {
        "learner": [_row(learner) for learner in records.learners],
        "identities": [_row(identity) for identity in records.identities],
        "events": [_row(event) for event in records.events],
        "events_shared": [_shared_event_row(shared) for shared in records.shared_events],
        "issuances": [_row(issuance) for issuance in records.issuances],
        "credentials": [_row(credential) for credential in records.credentials],
        "credential_revisions": [_row(revision) for revision in records.badge_revisions],
        "emails": [_row(message) for message in records.outbox_own],
        "emails_mentioning": [_digest_lines(subject, message) for message in records.outbox_mentioning],
        "email_attempts": [_row(effect) for effect in records.effects],
        "outbound_deliveries": [_row(delivery) for delivery in records.deliveries],
        "renewal_reminders": [_row(reminder) for reminder in records.reminders],
        "programme_awards": [_award_row(award) for award in records.programme_awards],
        "imported_credentials": [_imported_row(imported) for imported in records.imported],
        "import_uploads": [_upload_row(part) for part in records.import_uploads],
        "status_list_entries": [_row(entry) for entry in records.status_entries],
        "suppressions": [_row(suppression) for suppression in records.suppressions],
        "audit_records": [_row(record, omit={"previous_hash", "detail_digest"}) for record in records.audit_records],
        "admin_log": [{"action_time": entry.action_time, "user": entry.user.get_username() if entry.user_id else "",
                       "object": entry.object_repr, "change": entry.get_change_message()} for entry in records.admin_log],
    }


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _csv(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    # A cell starting with = + - @ is a formula in spreadsheets; learner text must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _stored(name: str) -> bytes | None:
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except (FileNotFoundError, OSError):
        return None


def learner_export_write(*, subject: LearnerSubject, out, actor_label: str = "the organisation's staff") -> dict[str, int]:
    """Write the learner's ZIP to `out` (a path or a binary file); returns each table's row count."""
    records = learner_records(subject)
    tables = export_tables(records)
    files = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            archive.writestr(f"data/{name}.json", _json(rows))
            archive.writestr(f"data/{name}.csv", _csv(rows))
        for event in records.events:
            archive.writestr(f"events/{event.pk}.body", bytes(event.body or b""))
            files.append((f"events/{event.pk}.body", f"the raw body of event {event.external_id}"))
        for credential in records.credentials:
            if credential.badge:
                archive.writestr(f"credentials/{credential.pk}.json", _json(credential.badge))
                files.append((f"credentials/{credential.pk}.json", "the signed Open Badges credential"))
            pdf = _stored(credential.pdf.name) if credential.pdf else None
            if pdf is not None:
                archive.writestr(f"credentials/{credential.pk}.pdf", pdf)
                files.append((f"credentials/{credential.pk}.pdf", "the certificate"))
        for message in records.outbox_own:
            archive.writestr(f"emails/{message.pk}.txt", message.text_body)
            if message.html_body:
                archive.writestr(f"emails/{message.pk}.html", message.html_body)
            files.append((f"emails/{message.pk}.*", f"“{message.subject}” to {message.recipient}"))
            for number, item in enumerate(message.attachments, start=1):
                content = _stored(item.get("path", ""))
                if content is not None:
                    path = f"emails/{message.pk}-attachment-{number}-{item.get('filename') or 'file'}"
                    archive.writestr(path, content)
                    files.append((path, "an attachment of that email"))
        archive.writestr("summary.html", render_to_string("laurel/privacy/export_summary.html", {
            "subject": subject, "organization": subject.organization, "made_at": timezone.now(),
            "made_by": actor_label, "tables": [(name, LABELS[name], len(rows)) for name, rows in tables.items()], "files": files,
            "shared_events": len(records.shared_events), "mentions": len(records.outbox_mentioning),
        }))
    return {name: len(rows) for name, rows in tables.items()}
