"""The generic JSON dialect: Laurel's own completion format, for any sender that can sign a POST.

    {"type": "course.completed", "timestamp": "2026-11-26T10:00:00Z",
     "data": {"learner": {"id": "u-123", "email": "ana@example.org", "name": "Ana Lima",
                          "manager_email": "rui@example.org", "language": "pt-BR"},
              "course": {"id": "FA-101", "title": "First Aid at Work"},
              "completed_at": "2026-11-26T09:58:00Z", "score": 86, "attendance": 100, "extra": {}}}
"""

from typing import Any

from .base import CandidateCompletion, FieldError
from .standard import StandardWebhooksDialect

EVENT_TYPE = "course.completed"


class GenericDialect(StandardWebhooksDialect):
    name = "generic"
    label = "Generic JSON (Standard Webhooks)"

    def adapt(self, payload: Any) -> tuple[CandidateCompletion, list[FieldError]]:
        candidate = CandidateCompletion(
            paths={
                "email": "data.learner.email",
                "name": "data.learner.name",
                "given_name": "data.learner.given_name",
                "family_name": "data.learner.family_name",
                "course": "data.course.id",
                "completed_at": "data.completed_at",
                "learner_id": "data.learner.id",
                "score": "data.score",
                "attendance": "data.attendance",
                "extra": "data.extra",
                "language": "data.learner.language",
            }
        )
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be a JSON object.", "body_not_object")]
        errors = []
        if payload.get("type") != EVENT_TYPE:
            errors.append(
                FieldError("type", f"type must be {EVENT_TYPE!r}, not {payload.get('type')!r}.", "type_unknown")
            )
        data = payload.get("data")
        if not isinstance(data, dict):
            errors.append(FieldError("data", "data must be an object holding learner, course and completed_at.", "data_missing"))
            return candidate, errors
        learner = data.get("learner")
        if not isinstance(learner, dict):
            errors.append(FieldError("data.learner", "data.learner must be an object with email and name.", "learner_missing"))
            learner = {}
        course = data.get("course")
        if isinstance(course, dict):
            candidate.course = course.get("id")
        elif isinstance(course, str):  # a bare course id is unambiguous, so it is accepted
            candidate.course = course
            candidate.paths["course"] = "data.course"
        candidate.email = learner.get("email")
        candidate.name = learner.get("name")
        candidate.given_name = learner.get("given_name")
        candidate.family_name = learner.get("family_name")
        candidate.learner_id = learner.get("id")
        candidate.language = learner.get("language")
        candidate.completed_at = data.get("completed_at")
        candidate.score = data.get("score")
        candidate.attendance = data.get("attendance")
        candidate.extra = data.get("extra")
        if learner.get("manager_email") is not None and isinstance(candidate.extra, dict | None):
            # Whom to copy on the credential email (issuance/delivery/copy_rules.py): kept with the other extra data.
            candidate.extra = {**(candidate.extra or {}), "manager_email": learner["manager_email"]}
        return candidate, errors
