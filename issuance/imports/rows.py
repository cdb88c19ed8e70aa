"""What a reader finds in an export, one row per original credential, and the helpers the readers share:
finding a field's column by its documented or configured name, and reading a date the way exports write them."""

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timezone as dt_timezone

from django.core.exceptions import ImproperlyConfigured

FIELDS = ("original_id", "original_url", "email", "name", "first_name", "last_name", "badge_id", "badge_name",
          "issued_at", "expires_at", "state")


class FileUnreadable(ValueError):
    """The whole file cannot be read (not UTF-8, not CSV or JSON of the expected shape, a required column missing)."""


@dataclass
class SourceRow:
    """One original credential as the file gave it: raw text, checked later by the plan."""

    number: int  # its row in a CSV (the header is row 1), its position in a JSON list, its line in a URL list
    email: str = ""
    name: str = ""
    original_id: str = ""
    original_url: str = ""
    badge_id: str = ""
    badge_name: str = ""
    badge_url: str = ""
    issued_at: str = ""
    expires_at: str = ""
    withdrawn: str = ""  # why the original no longer stands (revoked, rejected, unpublished), as the platform says
    problem: str = ""  # what the reader could not make of it (a hashed recipient, an assertion URL that failed)

    @property
    def badge(self) -> str:
        """The badge as a person would recognise it in the file: its name, else its id."""
        return self.badge_name or self.badge_id


def _key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").replace(".", " ").split())


def configured_columns(source: str) -> dict[str, str]:
    """LAUREL_IMPORT_COLUMNS: {"credly": {"email": "Recipient Email", …}}, read when an import runs."""
    raw = os.environ.get("LAUREL_IMPORT_COLUMNS", "").strip()
    if not raw:
        return {}
    try:
        config = json.loads(raw)
        columns = config.get(source, {}) if isinstance(config, dict) else None
    except ValueError:
        columns = None
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ImproperlyConfigured('LAUREL_IMPORT_COLUMNS must be JSON like {"credly": {"email": "Recipient Email"}}.')
    return columns


def column_finder(headers: list[str], *, defaults: dict[str, tuple[str, ...]], columns: dict[str, str],
                  required: tuple[str, ...]) -> dict[str, int]:
    """Field → the column it is read from: the one `columns` names, else the first default found (case, spaces,
    dots and hyphens aside). A required field with no column makes the file unreadable, naming what was looked for."""
    unknown = set(columns) - set(FIELDS)
    if unknown:
        raise FileUnreadable(f"Unknown field(s) in the column settings: {', '.join(sorted(unknown))}; "
                             f"the fields are {', '.join(FIELDS)}.")
    at = {_key(header): index for index, header in enumerate(headers)}
    found = {}
    for field in FIELDS:
        names = (columns[field],) if field in columns else defaults.get(field, ())
        index = next((at[_key(name)] for name in names if _key(name) in at), None)
        if index is not None:
            found[field] = index
        elif field in required:
            raise FileUnreadable(f"No column for {field}: looked for {' or '.join(repr(n) for n in names)}; the file's "
                                 f"columns are {', '.join(repr(h) for h in headers)}. Name the column in the import's "
                                 "column settings (see docs/import.md).")
    return found


def csv_records(body: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each non-empty row with its row number, from UTF-8 (with or without a BOM)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(f"The file is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8 CSV.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise FileUnreadable(f"The file is not CSV: {exc}.") from None
    if not header:
        raise FileUnreadable("The file is empty: it has no header row.")
    return header, rows


def json_document(body: bytes):
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileUnreadable(f"The file is not JSON: {exc}.") from None


def cell(row: list[str], found: dict[str, int], field: str) -> str:
    index = found.get(field)
    return row[index].strip() if index is not None and index < len(row) else ""


class BadDate(ValueError):
    pass


def date_read(value: str, *, what: str) -> datetime | None:
    """ISO 8601 (a date alone is midnight UTC), or Credly's "2014-04-01 09:41:00 -0500"; no zone means UTC."""
    value = (value or "").strip()
    if not value or value.lower() in ("null", "none", "never", "false"):
        return None
    parsed = None
    for attempt in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
                    lambda v: datetime.strptime(v, "%Y-%m-%d %H:%M:%S %z"),
                    lambda v: datetime.combine(date.fromisoformat(v), time())):
        try:
            parsed = attempt(value)
            break
        except ValueError:
            continue
    if parsed is None:
        raise BadDate(f"{what} {value!r} is not a date (expected e.g. 2024-11-14 or 2024-11-14T10:02:03Z).")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_timezone.utc)
