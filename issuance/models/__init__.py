"""The pipeline's records: sources and events received, learners, issuances and credentials."""

from .effects import Effect
from .engagement import CredentialEngagement
from .heartbeat import WorkerHeartbeat
from .imports import CredentialImportUpload, ImportedCredential, ImportSource
from .intake import CompletionEvent, ParkedEvent, Source, SourceCourseMapping, StaffDigest
from .issuances import Credential, Issuance, Learner, LearnerIdentity
from .outbound import Connection, ConnectionMapping, OutboundDelivery, OutboundFailure
from .polling import PollCursor, SourcePoll
from .programmes import ProgrammeAward
from .learner_page import LearnerDataLink, LearnerSignIn, NameCorrectionRequest
from .lifecycle import RenewalReminder, SignedBadgeRevision
from .outbox import OutboxMessage, Suppression
from .status import StatusList, StatusListEntry
from .wallets import WalletOffer, WalletSecret
from .typed_in import HandIssue, Roster, RosterRow
from .turns import WaitingTurn
from .render import RenderTemplate

__all__ = [
    "CompletionEvent",
    "Connection",
    "ConnectionMapping",
    "Credential",
    "CredentialEngagement",
    "CredentialImportUpload",
    "Effect",
    "HandIssue",
    "ImportSource",
    "ImportedCredential",
    "Issuance",
    "Learner",
    "LearnerDataLink",
    "LearnerIdentity",
    "LearnerSignIn",
    "NameCorrectionRequest",
    "OutboundDelivery",
    "OutboundFailure",
    "OutboxMessage",
    "ParkedEvent",
    "PollCursor",
    "ProgrammeAward",
    "RenderTemplate",
    "RenewalReminder",
    "Roster",
    "RosterRow",
    "SignedBadgeRevision",
    "Source",
    "SourcePoll",
    "SourceCourseMapping",
    "StaffDigest",
    "StatusList",
    "StatusListEntry",
    "WaitingTurn",
    "Suppression",
    "WalletOffer",
    "WalletSecret",
    "WorkerHeartbeat",
]
