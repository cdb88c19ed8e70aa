"""The CSV dialect: one row of an uploaded file, its columns mirroring the generic dialect."""

from typing import Any

from .base import CandidateCompletion, Dialect, FieldError

REQUIRED_COLUMNS = ("email", "course", "completed_at")
NAME_COLUMNS = ("name", "given_name", "family_name")
OPTIONAL_COLUMNS = ("learner_id", "score", "attendance", "language")
KNOWN_COLUMNS = REQUIRED_COLUMNS + NAME_COLUMNS + OPTIONAL_COLUMNS


def _cell(row: dict, column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None


class CsvRowDialect(Dialect):
    name = "csv"

    def adapt(self, payload: Any) -> tuple[CandidateCompletion, list[FieldError]]:
        candidate = CandidateCompletion(paths={"course": "course", "learner_id": "learner_id"})
        if not isinstance(payload, dict) or not isinstance(payload.get("columns"), dict):
            return candidate, [FieldError("body", "This CSV event holds no row of columns.", "body_not_object")]
        row = payload["columns"]
        candidate.email = _cell(row, "email")
        candidate.name = _cell(row, "name")
        candidate.given_name = _cell(row, "given_name")
        candidate.family_name = _cell(row, "family_name")
        candidate.course = _cell(row, "course")
        candidate.completed_at = _cell(row, "completed_at")
        candidate.learner_id = _cell(row, "learner_id")
        candidate.score = _cell(row, "score")
        candidate.attendance = _cell(row, "attendance")
        candidate.language = _cell(row, "language")
        # Columns Laurel does not know are kept as `extra`, so rule conditions can read them.
        candidate.extra = {key: value for key, value in row.items() if key not in KNOWN_COLUMNS and key}
        return candidate, []
