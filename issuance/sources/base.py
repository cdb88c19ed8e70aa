"""The seam every inbound dialect plugs into: payload in, unvalidated candidate completion out."""

from dataclasses import dataclass, field, fields
from typing import Any, Protocol


@dataclass(frozen=True)
class FieldError:
    """One specific problem with one field, worded for the staff member who will fix it."""

    field: str
    message: str
    code: str = "invalid"

    def to_json(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class CandidateCompletion:
    """What a dialect found in a payload, as sent: nothing here is checked yet.

    `paths` names where each field came from in the payload (e.g. `data.learner.email`), so an
    error can point at the sender's own field names.
    """

    email: Any = None
    name: Any = None
    given_name: Any = None
    family_name: Any = None
    course: Any = None
    completed_at: Any = None
    learner_id: Any = None
    score: Any = None
    attendance: Any = None
    extra: Any = None
    paths: dict[str, str] = field(default_factory=dict)

    CORRECTABLE = ("email", "name", "course", "completed_at", "learner_id", "score", "attendance")

    def path(self, name: str) -> str:
        return self.paths.get(name, name)

    def with_corrections(self, corrections: dict) -> "CandidateCompletion":
        """Staff corrections win over what the source sent; the raw body is never touched."""
        known = {f.name for f in fields(self)}
        for key, value in corrections.items():
            if key in known and key != "paths":
                setattr(self, key, value)
                if key == "name":
                    self.given_name = self.family_name = None
                self.paths[key] = f"{key} (corrected)"
        return self


class DialectAdapter(Protocol):
    """One per kind of sender (`generic`, later `moodle`, `canvas`, `xapi` …)."""

    name: str

    def adapt(self, payload: Any) -> tuple[CandidateCompletion, list[FieldError]]:
        """Find the completion in a parsed payload; structural problems come back as errors."""
        ...
