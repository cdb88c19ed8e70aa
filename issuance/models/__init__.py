"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .intake import CompletionEvent, ParkedEvent, Source, SourceCourseMapping, StaffDigest
from .issuances import Credential, Issuance, Learner, LearnerIdentity

__all__ = [
    "CompletionEvent",
    "Credential",
    "Issuance",
    "Learner",
    "LearnerIdentity",
    "ParkedEvent",
    "Source",
    "SourceCourseMapping",
    "StaffDigest",
]
