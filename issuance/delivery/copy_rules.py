"""Who gets a copy of a credential email, and whether anyone may be copied at all.

Reading the rules costs no query when nothing is configured: the course and organisation are already
loaded with the issuance, and the manager's address is in the stored completion.
"""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from ..models import Credential, Issuance

MANAGER_FIELD = "manager_email"  # in the completion's `extra`, whichever intake path brought it


def _shown(value: str) -> str:
    """What a sender put in the field, on one line and bounded, for staff to read and fix."""
    return " ".join("".join(char if char.isprintable() else " " for char in value).split())[:320]


@dataclass(frozen=True)
class CopyRecipient:
    address: str
    to_manager: bool
    problem: str = ""  # why it cannot be sent (a malformed manager address): recorded for staff, never sent


def copies_allowed(credential: Credential) -> bool:
    """The one place that decides whether anyone but the learner may be told about this credential.

    Never for a credential that is not active, nor one its holder hid from its public page (/me), nor
    for a learner who asked for erasure.
    """
    return (credential.status == Credential.Status.ACTIVE and credential.holder_hidden_at is None
            and credential.learner.erased_at is None)


def _manager(raw, *, learner_email: str) -> CopyRecipient | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None  # missing is not failing: no manager given, no copy
    if not isinstance(raw, str):
        return CopyRecipient(address=_shown(repr(raw)), to_manager=True,
                             problem=f"The completion's {MANAGER_FIELD} must be text, not {type(raw).__name__}.")
    shown = _shown(raw)
    try:
        address = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=True).normalized
    except EmailNotValidError as exc:
        return CopyRecipient(address=shown, to_manager=True,
                             problem=f"The completion's {MANAGER_FIELD} {shown!r} is not an email address ({exc}); "
                                     "the learner's own email was sent.")
    if address.lower() == learner_email.lower():
        return None  # the learner named themselves: they already have the email
    return CopyRecipient(address=address, to_manager=True)


def copy_recipients(*, issuance: Issuance) -> list[CopyRecipient]:
    """The course's copy settings when it has its own, else its organisation's: the manager, then fixed addresses."""
    settings = issuance.course if issuance.course.copies_own else issuance.organization
    recipients: list[CopyRecipient] = []
    if settings.copy_manager:
        extra = (issuance.completion or {}).get("extra")
        manager = _manager(extra.get(MANAGER_FIELD) if isinstance(extra, dict) else None, learner_email=issuance.learner.email)
        if manager is not None:
            recipients.append(manager)
    taken = {issuance.learner.email.lower(), *(r.address.lower() for r in recipients)}
    for address in settings.copy_addresses:
        if address.lower() not in taken:
            taken.add(address.lower())
            recipients.append(CopyRecipient(address=address, to_manager=False))
    return recipients


def copy_attach_pdf(*, issuance: Issuance) -> bool:
    return (issuance.course if issuance.course.copies_own else issuance.organization).copy_attach_pdf
