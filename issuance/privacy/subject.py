"""Whose data a request is about: one learner (by email) in one organisation, and how their text is found and replaced."""

import hashlib
import json
import re
from dataclasses import dataclass, field

from courses.models import Organization

from ..models import Learner

ERASED_REASON = "erased at the learner's request"
ERASED_NAME = "Erased learner"
ERASED_TEXT = "[erased]"
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def email_normalise(email: str) -> str:
    return email.strip().casefold()


def subject_hash(email: str) -> str:
    """What the audit trail keeps of an erased learner: the SHA-256 of the normalised email, never the email."""
    return hashlib.sha256(email_normalise(email).encode()).hexdigest()


def erased_email(email: str) -> str:
    """The pseudonym that replaces the address (unique per organisation, as the learner row requires)."""
    return f"erased-{subject_hash(email)[:20]}@erased.invalid"


@dataclass
class LearnerSubject:
    organization: Organization
    email: str  # normalised
    learner: Learner | None
    names: list[str] = field(default_factory=list)

    @property
    def needles(self) -> list[str]:
        """The strings that identify the learner in free text: the email and every name they were known by."""
        # A name of one Latin letter or two would match inside unrelated words; two CJK characters are a full name.
        usable = [name for name in self.names if len(name) >= 3 or (len(name) == 2 and not name.isascii())]
        return sorted({self.email, *usable}, key=len, reverse=True)

    def mentioned_in(self, text: str) -> bool:
        folded = _unescaped(text).casefold()
        return any(needle.casefold() in folded for needle in self.needles)

    def scrub(self, text: str) -> str:
        """`text` with the email and names replaced (also where JSON escaped them as \\uXXXX)."""
        if not text or not self.mentioned_in(text):
            return text
        unescaped = _unescaped(text)
        for needle in self.needles:
            replacement = erased_email(self.email) if needle == self.email else ERASED_NAME
            unescaped = re.sub(re.escape(needle), replacement, unescaped, flags=re.IGNORECASE)
        return unescaped

    def scrub_value(self, value):
        """A JSON value with every string in it scrubbed (keys too)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_value(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(str(key)): self.scrub_value(item) for key, item in value.items()}
        return value

    def mentioned_in_value(self, value) -> bool:
        return value is not None and self.mentioned_in(json.dumps(value, ensure_ascii=False))


def _unescaped(text: str) -> str:
    if "\\u" not in text:
        return text
    return _JSON_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


class SubjectNotFound(LookupError):
    pass


def subject_find(*, organization_slug: str, email: str, organizations=None) -> LearnerSubject:
    """The learner `email` of the organisation `organization_slug`, among `organizations` (a user's scope) if given.

    A learner Laurel never matched (only parked events name them) is still a subject: their events are found by text.
    """
    scope = Organization.objects.all() if organizations is None else organizations
    organization = scope.filter(slug=organization_slug).first()
    if organization is None:
        raise SubjectNotFound(f"No organisation “{organization_slug}” (or it is not one of yours).")
    normalised = email_normalise(email)
    if "@" not in normalised:
        raise SubjectNotFound(f"“{email}” is not an email address.")
    return subject_for(organization=organization, email=normalised)


def subject_for(*, organization: Organization, email: str) -> LearnerSubject:
    normalised = email_normalise(email)
    learner = Learner.objects.filter(organization=organization, email__iexact=normalised).first()
    if learner is None:  # iexact is ASCII-only on SQLite: look at the few candidates in Python
        learner = next((row for row in Learner.objects.filter(organization=organization, email__icontains="@")
                        .only("pk", "email", "name") if email_normalise(row.email) == normalised), None)
    names = []
    if learner is not None:
        names = [learner.name, *learner.issuances.values_list("learner_name", flat=True)]
    names = [name for name in dict.fromkeys(names) if name and name != ERASED_NAME]
    return LearnerSubject(organization=organization, email=normalised, learner=learner, names=names)
