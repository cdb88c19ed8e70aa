"""The form dialect: what a staff member typed on a roster row or the issue-one-credential form.

The body is written by Laurel's own admin pages (the cells verbatim, the course code, the
completion time), so it is read like a CSV row: the same fields, the same validation after it.
"""

import json
from typing import Any

from .base import CandidateCompletion, Dialect, FieldError


def percent_cell(value) -> str | None:
    """A spreadsheet's "85 %" or "85%" as "85"; everything else as typed, for validation to judge."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if value.endswith("%"):
        value = value[:-1].strip()
    return value.replace(",", ".") if value.count(",") == 1 and "." not in value else value or None


class FormRowDialect(Dialect):
    name = "form"

    def adapt(self, payload: Any) -> tuple[CandidateCompletion, list[FieldError]]:
        candidate = CandidateCompletion()
        if not isinstance(payload, dict) or not isinstance(payload.get("cells"), dict):
            return candidate, [FieldError("body", "This form event holds no typed-in cells.", "body_not_object")]
        cells = payload["cells"]
        candidate.name = (cells.get("name") or "").strip() or None
        candidate.email = (cells.get("email") or "").strip() or None
        candidate.score = percent_cell(cells.get("score"))
        candidate.attendance = percent_cell(cells.get("attendance"))
        language = cells.get("language")
        candidate.language = (language.strip() or None) if isinstance(language, str) else language
        candidate.course = payload.get("course")
        candidate.completed_at = payload.get("completed_at")
        manager = cells.get("manager_email")
        # Whom to copy on the credential email (issuance/delivery/copy_rules.py), as the other intake paths keep it.
        candidate.extra = {"manager_email": manager.strip()} if isinstance(manager, str) and manager.strip() else {}
        return candidate, []

    @staticmethod
    def payload_body(payload: dict) -> bytes:
        """The bytes stored for a form event, read back by `adapt` through the usual bounded parse."""
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
