"""The normalised completion: what intake hands to the pipeline, whatever the source's dialect."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from courses.rules import RuleFacts


@dataclass(frozen=True)
class Completion:
    """A validated completion. Intake builds it; `issuance.pipeline.issuance_start` consumes it."""

    course_id: int
    email: str
    name: str
    completed_at: datetime
    learner_external_id: str = ""
    score: Decimal | None = None
    attendance: Decimal | None = None
    extra: dict = field(default_factory=dict)
    language: str = ""  # the tag the completion named, canonical case; "" when it named none
    # A credential brought over from another platform (issuance/imports): source, original_id, original_url,
    # source_badge, source_badge_url, issued_at, expires_at (ISO). Its issuance re-issues it as it was, rules unasked.
    imported: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = asdict(self)
        data["completed_at"] = self.completed_at.isoformat()
        for key in ("score", "attendance"):
            data[key] = None if data[key] is None else str(data[key])
        if not self.imported:  # a completion like any other's, stored as it always was
            del data["imported"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Completion":
        return cls(
            course_id=data["course_id"],
            email=data["email"],
            name=data["name"],
            completed_at=datetime.fromisoformat(data["completed_at"]),
            learner_external_id=data.get("learner_external_id", ""),
            score=None if data.get("score") is None else Decimal(data["score"]),
            attendance=None if data.get("attendance") is None else Decimal(data["attendance"]),
            extra=data.get("extra") or {},
            language=data.get("language", ""),
            imported=data.get("imported") or {},
        )

    def rule_facts(self) -> RuleFacts:
        """What the course's rules are checked against (the catalogue knows nothing of a Completion)."""
        return RuleFacts(
            score=self.score, attendance=self.attendance, completed_at=self.completed_at, course_id=self.course_id,
            email=self.email, name=self.name, learner_external_id=self.learner_external_id, extra=self.extra,
        )
