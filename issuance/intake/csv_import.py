"""CSV completions: stream a file row by row into CompletionEvents that travel the webhook's path."""

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction

from audit.services import audit_record

from ..models import CompletionEvent, Source
from ..sources.csv_rows import NAME_COLUMNS, REQUIRED_COLUMNS, CsvRowDialect
from .csv_forecast import CsvForecast, RowOutcome
from .processing import completion_events_enqueue
from .receive import completion_events_known, completion_events_store
from .validation import completion_validate

BATCH_SIZE = 500
BATCH_BYTES = 256 * 1024  # long rows flush sooner, so memory stays bounded whatever the row size
PROBLEMS_KEPT = 200  # enough for a preview page; the counts cover every row
OUTCOMES_KEPT = 1000  # rows shown one by one in the dry run's table; the counts cover every row
DIGEST_CHUNK = 64 * 1024


class CsvFileError(ValueError):
    """The file as a whole cannot be read; the message names the row or column to fix."""


@dataclass
class CsvImportReport:
    file_name: str
    file_sha256: str = ""
    dry_run: bool = True
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    stored: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    duplicate_rows: list[int] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)  # with `forecast`: the first OUTCOMES_KEPT rows
    outcome_counts: dict[str, int] = field(default_factory=dict)

    def outcome_summary(self) -> str:
        """'3 will be issued, 1 ineligible, …' over every row of the file."""
        counts = self.outcome_counts
        return ", ".join(f"{counts[key]} {label.lower()}" for key, label in RowOutcome.LABELS.items() if counts.get(key))

    def summary(self) -> str:
        verb = "would be stored" if self.dry_run else "stored and queued"
        stored = self.rows - self.duplicates if self.dry_run else self.stored
        return (
            f"{self.rows} rows: {self.valid} valid, {self.invalid} invalid (parked with their errors), "
            f"{self.duplicates} duplicates (already received); {stored} {verb}."
        )


def csv_import_would_email(*, report: CsvImportReport) -> int:
    """Learners the import will email at most: every new, valid row ends in one email (invalid rows are parked)."""
    return max(0, report.rows - report.duplicates - report.invalid)


def csv_file_digest(stream: BinaryIO) -> str:
    """SHA-256 of the whole file, read in chunks; the stream is rewound for reading rows.

    The same pass checks the encoding, so a file that is not UTF-8 is refused before any row is stored.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    for chunk in iter(lambda: stream.read(DIGEST_CHUNK), b""):
        digest.update(chunk)
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            row = lines_before + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
            byte = chunk[exc.start : exc.start + 1].hex().upper() or "??"
            raise CsvFileError(
                f"Row {row} is not UTF-8 text (byte 0x{byte}). "
                "Save the file as 'CSV UTF-8' and upload it again."
            ) from None
        lines_before += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CsvFileError(f"Row {lines_before + 1} ends in the middle of a UTF-8 character.") from None
    stream.seek(0)
    return digest.hexdigest()


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """Line by line, so a wrong encoding is reported on the line where it appears."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for number, raw in enumerate(stream, start=1):
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"Row {number} is not UTF-8 text (byte 0x{raw[exc.start]:02X} at position {exc.start + 1}). "
                "Save the file as 'CSV UTF-8' and upload it again."
            ) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def csv_rows(stream: BinaryIO) -> Iterator[tuple[int, dict]]:
    """(row number in the file, {column: value}) for each data row; the header is row 1."""
    reader = csv.DictReader(_decoded_lines(stream))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise CsvFileError("The file is empty: row 1 must name the columns.")
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if "name" not in header and not {"given_name", "family_name"} <= set(header):
        missing.append("name (or given_name and family_name)")
    if missing:
        raise CsvFileError(
            f"Row 1 has no {', '.join(repr(m) for m in missing)} column. Columns found: {', '.join(header)}. "
            f"Required: {', '.join(REQUIRED_COLUMNS)} and one of {' / '.join(NAME_COLUMNS)}."
        )
    for row in reader:
        overflow = row.pop(None, None)
        if overflow:  # more cells than header columns: kept, never dropped
            row["unnamed_cells"] = " | ".join(overflow)
        if not any((value or "").strip() for value in row.values()):
            continue  # blank lines in spreadsheets are not completions
        yield reader.line_num, {key: (value or "") for key, value in row.items()}


def csv_import(*, source: Source, stream: BinaryIO, file_name: str, dry_run: bool, forecast: bool = False,
               uploaded_by=None) -> CsvImportReport:
    """Check every row (the report), and unless `dry_run`, store each as an event and queue it.

    `uploaded_by` (the staff member, None from the command line) is kept on each row's event, so the
    audit trail of every issuance from the file names them, and on one audit record for the upload.

    With `forecast`, each row's outcome (issued, ineligible and why, parked and why, duplicate) is
    worked out too, read-only: the dry run's per-row table.
    """
    report = CsvImportReport(file_name=file_name, dry_run=dry_run, file_sha256=csv_file_digest(stream))
    forecaster = CsvForecast() if forecast else None
    dialect = CsvRowDialect()
    course_cache: dict = {}
    batch: list[CompletionEvent] = []
    batch_bytes = 0
    uploader = {"uploaded-by": uploaded_by.get_username(), "uploaded-by-id": uploaded_by.pk} if uploaded_by is not None else {}
    for row_number, columns in csv_rows(stream):
        report.rows += 1
        payload = {"file": file_name, "row": row_number, "columns": columns}
        candidate, errors = dialect.adapt(payload)
        completion, field_errors = completion_validate(
            source=source, candidate=candidate, channel=CompletionEvent.Channel.CSV, course_cache=course_cache
        )
        errors = errors + field_errors
        if errors:
            report.invalid += 1
            if len(report.problems) < PROBLEMS_KEPT:
                report.problems.append((row_number, "; ".join(f"{e.field}: {e.message}" for e in errors)))
        else:
            report.valid += 1
        if forecaster is not None:
            _forecast(report, forecaster, row_number, columns, completion if not errors else None, errors)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        batch.append(
            CompletionEvent(
                source=source,
                external_id=f"csv:{report.file_sha256[:16]}:{row_number}",
                channel=CompletionEvent.Channel.CSV,
                headers={"file-name": file_name, "file-sha256": report.file_sha256, "row": row_number, **uploader},
                body=body,
            )
        )
        batch_bytes += len(body)
        if len(batch) >= BATCH_SIZE or batch_bytes >= BATCH_BYTES:
            _store_batch(source=source, batch=batch, report=report)
            batch, batch_bytes = [], 0
    if batch:
        _store_batch(source=source, batch=batch, report=report)
    if not dry_run:
        who = uploaded_by.get_username() if uploaded_by is not None else "the import_completions command"
        audit_record(organization=source.organization_id, to_state="uploaded", actor_kind="staff" if uploaded_by else "system",
                     actor_user=uploaded_by, actor_label=uploaded_by.get_username() if uploaded_by else "import_completions",
                     detail=f"CSV file {file_name} (SHA-256 {report.file_sha256[:16]}…) uploaded for source {source.slug} by "
                            f"{who}: {report.summary()}")
    return report


def _forecast(report: CsvImportReport, forecaster: CsvForecast, row: int, columns: dict, completion, errors) -> None:
    if completion is None:
        who = " ".join(filter(None, [columns.get("name") or f"{columns.get('given_name', '')} {columns.get('family_name', '')}".strip(),
                                     f"<{columns['email']}>" if columns.get("email") else ""]))
        outcome = RowOutcome(row, who or "—", columns.get("course", "") or "—", "parked",
                             "; ".join(e.message for e in errors))
    else:
        outcome = forecaster.outcome(row=row, completion=completion)
    report.outcome_counts[outcome.outcome] = report.outcome_counts.get(outcome.outcome, 0) + 1
    if len(report.outcomes) < OUTCOMES_KEPT:
        report.outcomes.append(outcome)


def _mark_received(report: CsvImportReport, known_rows: set[int]) -> None:
    """Rows stored by an earlier import of this file: their forecast is 'already received'."""
    for index, outcome in enumerate(report.outcomes):
        if outcome.row in known_rows and outcome.outcome != "already_received":
            report.outcome_counts[outcome.outcome] -= 1
            report.outcome_counts["already_received"] = report.outcome_counts.get("already_received", 0) + 1
            report.outcomes[index] = RowOutcome(outcome.row, outcome.learner, outcome.course, "already_received",
                                                "This row was imported before (same file); it is not stored again.")


def _store_batch(*, source: Source, batch: list[CompletionEvent], report: CsvImportReport) -> None:
    known = completion_events_known(source=source, external_ids=[event.external_id for event in batch])
    for event in batch:
        if event.external_id in known:
            report.duplicates += 1
            if len(report.duplicate_rows) < PROBLEMS_KEPT:
                report.duplicate_rows.append(event.headers["row"])
    if report.outcomes and known:
        _mark_received(report, {event.headers["row"] for event in batch if event.external_id in known})
    if report.dry_run:
        return
    fresh = [event for event in batch if event.external_id not in known]
    with transaction.atomic():
        # A concurrent import of the same file may store some rows first: those are its rows, not ours.
        inserted = [event.pk for event in completion_events_store(events=fresh)] if fresh else []
        completion_events_enqueue(event_ids=inserted, organization_id=source.organization_id)
    report.stored += len(inserted)
    report.duplicates += len(fresh) - len(inserted)
