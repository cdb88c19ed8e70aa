"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .effects import Effect
from .intake import CompletionEvent, ParkedEvent, Source, SourceCourseMapping, StaffDigest
from .issuances import Credential, Issuance, Learner, LearnerIdentity
from .lifecycle import RenewalReminder, SignedBadgeRevision
from .outbox import OutboxMessage, Suppression
from .status import StatusList, StatusListEntry

__all__ = [
    "CompletionEvent",
    "Credential",
    "Effect",
    "Issuance",
    "Learner",
    "LearnerIdentity",
    "OutboxMessage",
    "ParkedEvent",
    "RenewalReminder",
    "SignedBadgeRevision",
    "Source",
    "SourceCourseMapping",
    "StaffDigest",
    "StatusList",
    "StatusListEntry",
    "Suppression",
]
