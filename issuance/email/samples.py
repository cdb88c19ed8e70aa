"""Sample merge values for each kind of email, for the editor's live preview and "send a test to me"."""

from datetime import date

from courses.templating.email_kinds import EmailKind
from courses.templating.languages import formatting_locale

from ..certificates.merge_fields import format_day
from ..certificates.samples import SAMPLE_NAMES

BASE = "https://credentials.example.org"
# The sample achievement's name as staff might write it in each shipped language (Admin → Achievements), so a
# version in another language previews with the name its learners would read.
SAMPLE_ACHIEVEMENT_NAMES = {
    "fr": "Secourisme au travail", "de": "Erste Hilfe am Arbeitsplatz", "es": "Primeros auxilios en el trabajo",
    "pt-BR": "Primeiros socorros no trabalho", "it": "Primo soccorso sul lavoro", "nl": "Eerste hulp op het werk",
    "ar": "الإسعافات الأولية في العمل", "zh-Hans": "工作场所急救", "ja": "職場の応急手当",
}

SAMPLE_ACHIEVEMENT_DESCRIPTIONS = {
    "en": "Emergency first aid in the workplace.", "fr": "Les premiers secours sur le lieu de travail.",
    "de": "Erste Hilfe im Notfall am Arbeitsplatz.", "es": "Primeros auxilios de emergencia en el lugar de trabajo.",
    "pt-BR": "Primeiros socorros de emergência no local de trabalho.", "it": "Primo soccorso d'emergenza sul luogo di lavoro.",
    "nl": "Eerste hulp bij noodgevallen op de werkplek.", "ar": "الإسعافات الأولية الطارئة في مكان العمل.",
    "zh-Hans": "工作场所的紧急急救。", "ja": "職場での緊急応急手当。",
}


def _sample_day(day: date, language: str) -> str:
    """A sample date as the learner's language writes it: "21 November 2026", "21 novembre 2026"."""
    if language.split("-")[0] == "en":
        return f"{day:%-d %B %Y}"
    return format_day(day, locale=formatting_locale(language=language, organization_locale=""), timezone="UTC")


def email_sample_context(*, kind: str, sample: str = "latin", course_title: str = "First Aid at Work",
                         language: str = "en") -> dict:
    """Realistic values for every field `kind` may use; the learner's name is one of the certificate samples.

    `language` is the sample learner's: the achievement's name as staff would write it there, the dates as it writes them."""
    name = SAMPLE_NAMES.get(sample, SAMPLE_NAMES["latin"])
    issued, expires = _sample_day(date(2026, 11, 21), language), _sample_day(date(2029, 11, 21), language)
    common = {"learner_name": name, "course_title": course_title,
              "achievement_name": SAMPLE_ACHIEVEMENT_NAMES.get(language, course_title),
              "achievement_description": SAMPLE_ACHIEVEMENT_DESCRIPTIONS.get(language, SAMPLE_ACHIEVEMENT_DESCRIPTIONS["en"]),
              "credential_url": f"{BASE}/credentials/00000000-0000-4000-8000-000000000000"}
    if kind == EmailKind.CREDENTIAL:
        return {**common, "credential_id": "00000000-0000-4000-8000-000000000000",
                "badge_url": f"{common['credential_url']}.json",
                "issue_date": issued, "expiry_date": expires, "issued_on": issued, "expires_on": expires,
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
        return {**common, "expiry_date": expires, "expires_on": expires,
                "renewal_url": "https://academy.example/renew", "expired": False, "days_left": 30}
    if kind == EmailKind.CREDENTIAL_COPY:
        return {**common, "credential_id": "00000000-0000-4000-8000-000000000000", "issue_date": issued,
                "expiry_date": expires, "issued_on": issued, "expires_on": expires,
                "certificate_filename": "First Aid at Work - certificate.pdf", "to_manager": True}
    if kind == EmailKind.REVOCATION_NOTICE:
        return {**common, "reason": "Issued in error.", "revoked_on": _sample_day(date(2026, 12, 1), language)}
    return common
