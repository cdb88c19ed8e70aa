"""Sample merge values for each kind of email, for the editor's live preview and "send a test to me"."""

from courses.templating.email_kinds import EmailKind

from ..certificates.samples import SAMPLE_NAMES

BASE = "https://credentials.example.org"


def email_sample_context(*, kind: str, sample: str = "latin", course_title: str = "First Aid at Work") -> dict:
    """Realistic values for every field `kind` may use; the learner's name is one of the certificate samples."""
    name = SAMPLE_NAMES.get(sample, SAMPLE_NAMES["latin"])
    common = {"learner_name": name, "course_title": course_title, "achievement_name": course_title,
              "credential_url": f"{BASE}/credentials/00000000-0000-4000-8000-000000000000"}
    if kind == EmailKind.CREDENTIAL:
        return {**common, "credential_id": "00000000-0000-4000-8000-000000000000",
                "badge_url": f"{common['credential_url']}.json",
                "issue_date": "21 November 2026", "expiry_date": "21 November 2029",
                "issued_on": "21 November 2026", "expires_on": "21 November 2029",
                "linkedin_url": "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME",
                "next_course_title": "Advanced First Aid", "next_course_description": "Two days of advanced practice.",
                "certificate_filename": "First Aid at Work - certificate.pdf",
                "platform_links": [{"name": "Credly", "url": "https://www.credly.com/badges/sample"}]}
    if kind == EmailKind.STILL_NEEDED:
        return {**common, "reasons": ["Your score was 64; this course requires 80."],
                "programmes": ["Workplace Safety Officer: 2 of 3 done: Fire Safety remains."],
                "retake_url": "https://academy.example/retake"}
    if kind == EmailKind.STAFF_DIGEST:
        return {"count": 2, "queue_url": f"{BASE}/admin/issuance/parkedevent/",
                "items": [{"summary": f"{name}: {course_title}", "error": "The learner's email is missing."},
                          {"summary": "Row 4 of spring-cohort.csv", "error": "No course FA-999."}]}
    if kind == EmailKind.RENEWAL_REMINDER:
        return {**common, "expiry_date": "21 November 2029", "expires_on": "21 November 2029",
                "renewal_url": "https://academy.example/renew", "expired": False, "days_left": 30}
    if kind == EmailKind.CREDENTIAL_COPY:
        return {**common, "credential_id": "00000000-0000-4000-8000-000000000000", "issue_date": "21 November 2026",
                "expiry_date": "21 November 2029", "issued_on": "21 November 2026", "expires_on": "21 November 2029",
                "certificate_filename": "First Aid at Work - certificate.pdf", "to_manager": True}
    if kind == EmailKind.REVOCATION_NOTICE:
        return {**common, "reason": "Issued in error.", "revoked_on": "1 December 2026"}
    return common
