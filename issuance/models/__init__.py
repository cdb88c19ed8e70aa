"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .intake import CompletionEvent, Source, SourceCourseMapping
from .issuances import Credential, Issuance, Learner, LearnerIdentity
from .outbox import OutboxMessage, Suppression

__all__ = [
    "CompletionEvent",
    "Credential",
    "Issuance",
    "Learner",
    "LearnerIdentity",
    "OutboxMessage",
    "Source",
    "SourceCourseMapping",
    "Suppression",
]
