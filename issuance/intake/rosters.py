"""In-person rosters: pasted or typed attendees, checked row by row, kept as a draft, submitted as form events.

A row with a problem never blocks the others: submitting sends every row that passes the check and
leaves the rest in the draft with their errors, for the staff member to fix and submit later.
Submitting again sends only rows not sent before, so a double click or a re-posted page adds nothing.
"""

import csv
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..models import Roster, RosterRow
from .form_events import field_errors_json, form_cells_check, form_event_store, form_payload, form_source_for, session_completed_at

CELLS = ("name", "email", "attendance", "score", "manager_email", "language")
# Header cells a spreadsheet may use for each column (compared in lower case, without spaces, "%", "_" or brackets).
HEADER_NAMES = {
    "name": {"name", "fullname", "attendee", "learner", "participant", "delegate", "student"},
    "email": {"email", "e-mail", "emailaddress", "mail"},
    "attendance": {"attendance", "attended", "present"},
    "score": {"score", "mark", "result", "grade", "assessment"},
    "manager_email": {"manageremail", "manager", "managersemail", "manager'semail", "linemanager"},
    "language": {"language", "lang", "locale", "languagecode", "languagetag", "preferredlanguage", "learnerslanguage",
                 "learner'slanguage"},
}
ROWS_MAX = 500
# A pasted cell is cut to its column's length (a long one is invalid anyway, and the check says so), never
# a database error on PostgreSQL.
CELL_LENGTH = {name: RosterRow._meta.get_field(name).max_length for name in CELLS}


# A word for the person before a column's name ("Delegate name", "Learner's email", "Trainee score") still names
# that column, and the word alone names the person: sheets from booking systems head their columns this way.
HEADER_PERSON_WORDS = ("delegate", "attendee", "learner", "participant", "student", "trainee", "candidate", "employee", "staff")


def _header_key(cell: str) -> str:
    return "".join(char for char in cell.strip().lower() if char not in " %_()")


def _header_column(cell: str) -> str | None:
    """The roster column a header cell names, or None when it names none of them."""
    key = _header_key(cell)
    if key in HEADER_PERSON_WORDS:
        return "name"
    keys = [key]
    for word in HEADER_PERSON_WORDS:
        if key.startswith(word):
            rest = key[len(word):]
            keys += [rest, rest.removeprefix("'s"), rest.removeprefix("’s"), rest.removeprefix("s")]
    return next((name for candidate in keys for name, spellings in HEADER_NAMES.items() if candidate in spellings), None)


@dataclass
class RosterColumns:
    """What a pasted sheet's first row said: the header cells recognised (with their column) and those left out."""

    recognised: list[tuple[str, str]]
    left_out: list[str]

    def summary(self) -> str:
        if not self.recognised:
            return ("No header row recognised: the cell with an @ was read as the email, the first other text as the name, "
                    "then numbers as attendance and score.")
        text = "Columns recognised: " + ", ".join(f"{cell} → {COLUMN_LABELS.get(name, name)}" for cell, name in self.recognised) + "."
        if self.left_out:
            text += " Left out: " + ", ".join(self.left_out) + "."
        return text


COLUMN_LABELS = {"attendance": "attendance %", "score": "score %", "manager_email": "manager's email"}


def _looks_numeric(cell: str) -> bool:
    return cell.strip().rstrip("%").strip().replace(",", ".").replace(".", "", 1).isdigit()


def roster_paste_parse(text: str) -> list[dict]:
    """Rows of {name, email, attendance, score, manager_email, language} from text pasted out of a spreadsheet.

    Tab-separated (what a spreadsheet copies) or comma-separated. A first row naming the columns
    maps them; without one, the cell with an @ is the email, the first other text the name, and
    numbers fill attendance then score, and a second address is the manager's. The language is read
    only under its header: a bare "Li" or "de" could as well be a name. The JavaScript of the roster
    page reads a paste the same way.
    """
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        return []
    table = _paste_table(text, lines)
    columns = {}
    for index, cell in enumerate(table[0]):
        name = _header_column(cell)
        if name is not None and name not in columns:
            columns[name] = index
    if "email" in columns or "name" in columns:
        return [{name: (row[i] if i < len(row) else "") for name, i in columns.items()} | _blank_rest(columns)
                for row in table[1:]][:ROWS_MAX]
    return [_guessed_cells(row) for row in table][:ROWS_MAX]


def _paste_table(text: str, lines: list[str]) -> list[list[str]]:
    delimiter = "\t" if "\t" in text else ","
    return [[cell.strip() for cell in row] for row in csv.reader(lines, delimiter=delimiter)]


def roster_paste_columns(text: str) -> RosterColumns | None:
    """Which of the pasted sheet's header cells were read as which column, for the page to say; None for no paste."""
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        return None
    recognised, left_out, taken = [], [], set()
    for cell in _paste_table(text, lines[:1])[0]:
        name = _header_column(cell)
        if name is not None and name not in taken:
            recognised.append((cell, name))
            taken.add(name)
        elif cell:
            left_out.append(cell)
    if "email" not in taken and "name" not in taken:
        return RosterColumns(recognised=[], left_out=[])
    return RosterColumns(recognised=recognised, left_out=left_out)


def _blank_rest(columns: dict) -> dict:
    return {name: "" for name in CELLS if name not in columns}


def _guessed_cells(row: list[str]) -> dict:
    cells = dict.fromkeys(CELLS, "")
    numbers = []
    for cell in row:
        if not cell:
            continue
        if "@" in cell and not cells["email"]:
            cells["email"] = cell
        elif "@" in cell and not cells["manager_email"]:  # a second address on the line: the manager's
            cells["manager_email"] = cell
        elif _looks_numeric(cell):
            numbers.append(cell)
        elif not cells["name"]:
            cells["name"] = cell
    for name, value in zip(("attendance", "score"), numbers):
        cells[name] = value
    return cells


def roster_rows_check(*, roster: Roster, rows: list[RosterRow]) -> None:
    """Set `errors` on each row not yet submitted: the worker's own checks, plus one address twice in a roster."""
    source = form_source_for(organization=roster.course.organization)
    completed_at = session_completed_at(session_date=roster.session_date, organization=roster.course.organization)
    course_cache: dict = {}
    seen: dict[str, int] = {
        row.email.strip().lower(): row.position for row in roster.rows.filter(event__isnull=False)
    }
    for row in rows:
        payload = form_payload(form="roster", course=roster.course, completed_at=completed_at, cells=row_cells(row))
        errors = field_errors_json(form_cells_check(source=source, payload=payload, course_cache=course_cache))
        address = row.email.strip().lower()
        if address and address in seen and not any(e["field"] == "email" for e in errors):
            errors.append({"field": "email", "code": "email_repeated",
                           "message": f"{row.email.strip()} is already on row {seen[address]} of this roster."})
        seen.setdefault(address, row.position)
        row.errors = errors


def row_cells(row: RosterRow) -> dict:
    return {name: getattr(row, name) for name in CELLS}


def roster_rows_replace(*, roster: Roster, cells: list[dict]) -> list[RosterRow]:
    """Save the draft: the rows not yet submitted become `cells` (blank rows left out), each checked."""
    with transaction.atomic():
        Roster.objects.select_for_update(no_key=True).filter(pk=roster.pk).first()
        pending = roster.rows.filter(event__isnull=True)
        # A held row fixed and saved again keeps its number on the sheet; rows added after it come last.
        free = sorted(pending.values_list("position", flat=True))
        pending.delete()
        last = roster.rows.aggregate(last=Max("position"))["last"] or 0
        kept = [entry for entry in cells if any(str(entry.get(n) or "").strip() for n in CELLS)]
        positions = free[: len(kept)] + list(range(max([last, *free]) + 1, max([last, *free]) + 1 + len(kept) - len(free)))
        rows = [
            RosterRow(roster=roster, position=position, **{name: str(entry.get(name) or "").strip()[:CELL_LENGTH[name]] for name in CELLS})
            for position, entry in zip(positions, kept)
        ]
        roster_rows_check(roster=roster, rows=rows)
        RosterRow.objects.bulk_create(rows)
        if rows:
            roster.status = Roster.Status.DRAFT  # a late attendee added to a submitted roster waits to be submitted
        roster.revision += 1
        roster.save(update_fields=["status", "revision", "updated_at"])
    return rows


@dataclass
class RosterSubmitted:
    submitted: int = 0
    held: int = 0  # rows with errors, left in the draft
    already: int = 0  # rows submitted before

    def summary(self) -> str:
        parts = [f"Submitted {self.submitted} row{'s' if self.submitted != 1 else ''} as completions."]
        if self.held:
            parts.append(f"{self.held} row{'s' if self.held != 1 else ''} with errors stay{'s' if self.held == 1 else ''} "
                         "in this draft: fix and submit again.")
        if self.already and not self.submitted:
            parts.append(f"{self.already} row{'s were' if self.already != 1 else ' was'} submitted before; nothing new was sent.")
        return " ".join(parts)


def roster_submit(*, roster_id: int, user) -> RosterSubmitted:
    """Send every row that passes the check as a form event; rows with errors wait in the draft."""
    report = RosterSubmitted()
    with transaction.atomic():
        roster = Roster.objects.select_for_update(no_key=True, of=("self",)).select_related("course__organization").get(pk=roster_id)
        pending = list(roster.rows.filter(event__isnull=True).order_by("position"))
        report.already = roster.rows.filter(event__isnull=False).count()
        roster_rows_check(roster=roster, rows=pending)  # checked again now: the course or rules may have changed
        source = form_source_for(organization=roster.course.organization)
        completed_at = session_completed_at(session_date=roster.session_date, organization=roster.course.organization)
        for row in pending:
            if row.errors:
                report.held += 1
                row.save(update_fields=["errors"])
                continue
            payload = form_payload(form="roster", course=roster.course, completed_at=completed_at, cells=row_cells(row),
                                   roster=roster.pk, row=row.position, session_date=roster.session_date.isoformat(),
                                   entered_by=user.get_username())
            event = form_event_store(source=source, external_id=f"roster:{roster.pk}:row:{row.pk}", payload=payload, user=user,
                                     detail=f"Typed in on roster {roster.pk} ({roster}), row {row.position}, by {user.get_username()}.")
            if event is None:
                report.already += 1
                continue
            row.event, row.submitted_by, row.errors = event, user, []
            row.save(update_fields=["event", "submitted_by", "errors"])
            report.submitted += 1
        if not report.held and roster.rows.exists():
            roster.status = Roster.Status.SUBMITTED
        if report.submitted:
            roster.submitted_by, roster.submitted_at = user, timezone.now()
        roster.revision += 1
        roster.save(update_fields=["status", "submitted_by", "submitted_at", "revision", "updated_at"])
    return report
