"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .effects import Effect
from .intake import CompletionEvent, Source, SourceCourseMapping
from .issuances import Credential, Issuance, Learner, LearnerIdentity
from .outbox import OutboxMessage, Suppression

__all__ = [
    "CompletionEvent",
    "Credential",
    "Effect",
    "Issuance",
    "Learner",
    "LearnerIdentity",
    "OutboxMessage",
    "Source",
    "SourceCourseMapping",
    "Suppression",
]
