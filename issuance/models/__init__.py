"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .effects import Effect
from .intake import CompletionEvent, Source, SourceCourseMapping
from .issuances import Credential, Issuance, Learner, LearnerIdentity

__all__ = [
    "CompletionEvent",
    "Credential",
    "Effect",
    "Issuance",
    "Learner",
    "LearnerIdentity",
    "Source",
    "SourceCourseMapping",
]
