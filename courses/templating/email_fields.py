"""What each kind of email template may use: the sandbox refuses anything else, at save and at send."""

from .email_kinds import EmailKind
from .field_names import FIELD_ALIASES, spec_with_aliases  # noqa: F401  (FIELD_ALIASES: the editor lists them)


BRAND = {"organization_name": None, "organization_website": None, "logo_url": None, "primary_color": None, "accent_color": None}

EMAIL_FIELDS: dict[str, dict] = {
    EmailKind.CREDENTIAL: {
        "learner_name": None, "course_title": None, "achievement_name": None, "achievement_description": None, "credential_id": None,
        "credential_url": None, "badge_url": None, "issue_date": None, "expiry_date": None, "linkedin_url": None,
        "wallet_url": None, "next_course_title": None, "next_course_description": None, "certificate_filename": None,
        "platform_links": frozenset({"name", "url"}),
    },
    EmailKind.STILL_NEEDED: {"learner_name": None, "course_title": None, "reasons": frozenset(), "retake_url": None,
                             "programmes": frozenset()},
    EmailKind.STAFF_DIGEST: {"count": None, "items": frozenset({"summary", "error"}), "queue_url": None},
    EmailKind.RENEWAL_REMINDER: {
        "learner_name": None, "achievement_name": None, "achievement_description": None, "course_title": None, "expiry_date": None,
        "renewal_url": None, "credential_url": None, "expired": None, "days_left": None,
    },
    EmailKind.REVOCATION_NOTICE: {
        "learner_name": None, "achievement_name": None, "achievement_description": None, "course_title": None, "reason": None, "revoked_on": None,
        "credential_url": None,
    },
    EmailKind.CREDENTIAL_COPY: {
        "learner_name": None, "course_title": None, "achievement_name": None, "achievement_description": None, "credential_id": None,
        "credential_url": None, "issue_date": None, "expiry_date": None, "certificate_filename": None, "to_manager": None,
    },
}


def email_fields(kind: str) -> dict:
    """The fields `kind` may use, the older names (`issued_on`, `expires_on`) included as aliases."""
    return spec_with_aliases({**BRAND, **EMAIL_FIELDS.get(kind, {})})
